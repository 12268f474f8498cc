--TEST--
Round trip: a session written by one request is read back by the next
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
var_dump(rs_start(rs_path()));
$id = session_id();
var_dump(strlen($id) >= 22);
$_SESSION['user'] = 'alice';
$_SESSION['cart'] = ['apple' => 2, 'pear' => 1];
var_dump(session_write_close());
$_SESSION = [];
var_dump(rs_start(rs_path(), $id));
var_dump(session_id() === $id, $_SESSION);
$_SESSION['cart']['plum'] = 5;
session_write_close();
var_dump(rs_start(rs_path(), $id));
var_dump($_SESSION['cart']);
var_dump(rs_redis()->cmd('GET', 'PHPREDIS_SESSION:' . $id));
session_write_close();
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
array(2) {
  ["user"]=>
  string(5) "alice"
  ["cart"]=>
  array(2) {
    ["apple"]=>
    int(2)
    ["pear"]=>
    int(1)
  }
}
bool(true)
array(3) {
  ["apple"]=>
  int(2)
  ["pear"]=>
  int(1)
  ["plum"]=>
  int(5)
}
string(74) "user|s:5:"alice";cart|a:3:{s:5:"apple";i:2;s:4:"pear";i:1;s:4:"plum";i:5;}"
