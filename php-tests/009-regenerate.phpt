--TEST--
session_regenerate_id(true) removes the old key and keeps the data under the new one
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
$old = session_id();
$_SESSION['n'] = 7;
session_write_close();
rs_start(rs_path(), $old);
var_dump(session_regenerate_id(true));
$new = session_id();
$_SESSION['n']++;
session_write_close();
var_dump($new !== $old);
var_dump($r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $old));
var_dump($r->cmd('GET', 'PHPREDIS_SESSION:' . $new));
// Without delete_old the old key stays.
rs_start(rs_path(), $new);
session_regenerate_id(false);
$newer = session_id();
session_write_close();
var_dump($r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $new), $r->cmd('GET', 'PHPREDIS_SESSION:' . $newer));
?>
--EXPECT--
bool(true)
bool(true)
int(0)
string(6) "n|i:8;"
int(1)
string(6) "n|i:8;"
