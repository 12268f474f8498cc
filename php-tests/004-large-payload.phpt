--TEST--
A 1 MiB payload round-trips intact
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
$blob = random_bytes(1024 * 1024);
rs_start(rs_path());
$id = session_id();
$_SESSION['blob'] = $blob;
var_dump(session_write_close());
$_SESSION = [];
rs_start(rs_path(), $id);
var_dump(strlen($_SESSION['blob']), hash_equals(sha1($blob), sha1($_SESSION['blob'])));
session_write_close();
var_dump(rs_redis()->cmd('STRLEN', 'PHPREDIS_SESSION:' . $id) > 1024 * 1024);
?>
--EXPECT--
bool(true)
int(1048576)
bool(true)
bool(true)
