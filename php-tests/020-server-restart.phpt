--TEST--
A real redis-server killed and restarted: failure is reported at once, then the pool recovers by itself
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
// transports: tcp
// (a redis-server of its own on 127.0.0.1)
$port = rs_free_port();
$path = "redis://127.0.0.1:$port";
$server = rs_redis_server($port);
var_dump(rs_start($path));
$id = session_id();
$_SESSION['n'] = 1;
session_write_close();
rs_kill($server);
rs_capture_warnings();
// The pooled connection is dead: the command fails, a reconnect is refused, false at once.
$t = microtime(true);
var_dump(rs_start($path, $id), microtime(true) - $t < 1.0);
echo preg_replace('/\d{4,5}/', 'PORT', rs_warnings()[0]), "\n";
$server = rs_redis_server($port);
// Back: no restart of PHP needed. (The server kept no data, so the session starts empty.)
var_dump(rs_start($path, $id), $_SESSION, rs_warnings());
$_SESSION['n'] = 2;
session_write_close();
// A server restart behind a healthy pooled connection is invisible to the next request.
rs_kill($server);
$server = rs_redis_server($port);
(new Resp("tcp://127.0.0.1:$port"))->cmd('SET', "PHPREDIS_SESSION:$id", 'n|i:3;');
var_dump(rs_start($path, $id), $_SESSION['n'], rs_warnings());
session_write_close();
rs_kill($server);
?>
--EXPECT--
bool(true)
bool(false)
bool(true)
session_start(): rsession: redis 127.0.0.1:PORT: cannot connect: Connection refused (os error 111)
bool(true)
array(0) {
}
array(0) {
}
bool(true)
int(3)
array(0) {
}
