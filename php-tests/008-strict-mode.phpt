--TEST--
Without locking, strict mode refuses an unknown id and issues a new one; a known id costs one GET (validate and read share it)
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
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
ini_set('session.use_strict_mode', '1');
$r = rs_redis();
$forged = rs_new_id('forged');
rs_start(rs_path(), $forged);
$issued = session_id();
var_dump($issued !== $forged, strlen($issued) >= 22);
$_SESSION['who'] = 'new';
session_write_close();
var_dump($r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $forged), $r->cmd('EXISTS', 'PHPREDIS_SESSION:' . $issued));
// The issued id is known now: adopted, its data read, with a single GET (validate + read).
$cmds = rs_commands_during(function () use ($issued) {
    rs_start(rs_path(), $issued);
    var_dump(session_id() === $issued, $_SESSION['who']);
    session_write_close();
});
var_dump($cmds);
?>
--EXPECT--
bool(true)
bool(true)
int(0)
int(1)
bool(true)
string(3) "new"
array(2) {
  ["expire"]=>
  int(1)
  ["get"]=>
  int(1)
}
