--TEST--
The key carries the prefix; its expiry equals session.gc_maxlifetime
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
ini_set('session.gc_maxlifetime', '1234');
rs_start(rs_path());
$id = session_id();
$_SESSION['x'] = 1;
session_write_close();
var_dump($r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $id));
$ttl = $r->cmd('TTL', 'PHPREDIS_SESSION:' . $id);
var_dump($ttl >= 1232 && $ttl <= 1234);
// A prefix of one's own, and the key under the default prefix is not written.
rs_start(rs_path('?prefix=myapp%3Asess%3A'));
$id2 = session_id();
$_SESSION['x'] = 2;
session_write_close();
var_dump($r->cmd('GET', 'myapp:sess:' . $id2));
var_dump($r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $id2));
// An empty prefix is allowed too.
rs_start(rs_path('?prefix='));
$id3 = session_id();
$_SESSION['x'] = 3;
session_write_close();
var_dump($r->cmd('GET', $id3));
?>
--EXPECT--
int(1)
bool(true)
string(6) "x|i:2;"
int(0)
string(6) "x|i:3;"
