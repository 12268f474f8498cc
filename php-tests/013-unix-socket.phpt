--TEST--
unix:///path/redis.sock with a database parameter
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
// transports: unix
// (about unix socket save_paths)
$sock = rs_socket();
var_dump(rs_start("unix://$sock?database=1"));
$id = session_id();
$_SESSION['via'] = 'socket';
session_write_close();
$r = new Resp("unix://$sock");
$r->cmd('SELECT', '1');
var_dump($r->cmd('GET', "PHPREDIS_SESSION:$id"));
rs_start("unix://$sock?database=1", $id);
var_dump($_SESSION['via']);
session_write_close();
rs_capture_warnings();
var_dump(rs_start("unix://$sock.missing", rs_new_id('a')));
echo rs_warnings()[0], "\n";
?>
--EXPECTF--
bool(true)
string(17) "via|s:6:"socket";"
string(6) "socket"
bool(false)
session_start(): rsession: redis unix:%s/redis.sock.missing: cannot connect: No such file or directory (os error 2)
