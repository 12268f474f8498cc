--TEST--
session_destroy() removes the key
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
session.gc_maxlifetime=1440
session.serialize_handler=php
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$r = rs_redis();
rs_start(rs_path());
$id = session_id();
$_SESSION['x'] = 1;
session_write_close();
var_dump($r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $id));
rs_start(rs_path(), $id);
var_dump(session_destroy());
var_dump($r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $id));
// Destroying a session that is not stored is not an error.
rs_start(rs_path(), rs_new_id('never'));
var_dump(session_destroy());
?>
--EXPECT--
int(1)
bool(true)
int(0)
bool(true)
