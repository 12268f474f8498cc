--TEST--
Without locking, lazy_write: unchanged data refreshes the expiry only (EXPIRE, no SET); changed data is SET
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
rsession.locking=0
session.lazy_write=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$r = rs_redis();
rs_start(rs_path());
$id = session_id();
$key = 'PHPREDIS_SESSION:' . $id;
$_SESSION['n'] = 1;
session_write_close();
// Let the expiry run down, then a request that changes nothing.
$r->cmd('EXPIRE', $key, '100');
$cmds = rs_commands_during(function () use ($id) {
    rs_start(rs_path(), $id);
    session_write_close();
});
var_dump($cmds);
$ttl = $r->cmd('TTL', $key);
var_dump($ttl > 1400);
var_dump($r->cmd('GET', $key));
// A request that changes data writes it: GET + SET.
$cmds = rs_commands_during(function () use ($id) {
    rs_start(rs_path(), $id);
    $_SESSION['n']++;
    session_write_close();
});
var_dump($cmds, $r->cmd('GET', $key));
?>
--EXPECT--
array(2) {
  ["expire"]=>
  int(1)
  ["get"]=>
  int(1)
}
bool(true)
string(6) "n|i:1;"
array(2) {
  ["get"]=>
  int(1)
  ["set"]=>
  int(1)
}
string(6) "n|i:2;"
