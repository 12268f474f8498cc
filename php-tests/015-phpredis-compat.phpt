--TEST--
Sessions written by phpredis (same key, same format) are read after the switch; phpredis's save_path works as is
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
// (phpredis's tcp:// and host:port forms)
$r = rs_redis();
// What phpredis leaves in Redis: PHPREDIS_SESSION:<id> holding the serialized session.
$id = rs_new_id('phpredis');
$r->cmd('SETEX', "PHPREDIS_SESSION:$id", '1440', 'user_id|i:42;name|s:3:"bob";');
$path = 'tcp://127.0.0.1:' . rs_port() . '?weight=1&timeout=2.5&read_timeout=2&persistent=1&database=0';
var_dump(rs_start($path, $id));
var_dump($_SESSION);
$_SESSION['name'] = 'rob';
session_write_close();
var_dump($r->cmd('GET', "PHPREDIS_SESSION:$id"));
// The bare host:port form phpredis users sometimes write.
var_dump(rs_start('127.0.0.1:' . rs_port(), $id), $_SESSION['name']);
session_write_close();
?>
--EXPECT--
bool(true)
array(2) {
  ["user_id"]=>
  int(42)
  ["name"]=>
  string(3) "bob"
}
string(28) "user_id|i:42;name|s:3:"rob";"
bool(true)
string(3) "rob"
