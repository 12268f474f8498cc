--TEST--
Locking: the lock key exists while the session is open, with the configured expiry, and is gone after close, abort, destroy, read_and_close and regenerate
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$r = rs_redis();
$lock = fn (string $id) => $r->cmd('EXISTS', "PHPREDIS_SESSION:{$id}_LOCK");
$pttl = fn (string $id) => $r->cmd('PTTL', "PHPREDIS_SESSION:{$id}_LOCK");

// Default expiry: max_execution_time is 0 in the CLI, so 30 s.
rs_start(rs_path());
$id = session_id();
$t = $pttl($id);
var_dump($lock($id), $t > 29000 && $t <= 30000);
$_SESSION['n'] = 1;
session_write_close();
var_dump($lock($id));
// max_execution_time sets it when rsession.lock_expire does not; rsession.lock_expire wins.
ini_set('max_execution_time', '12');
rs_start(rs_path(), $id);
$t = $pttl($id);
var_dump($t > 11000 && $t <= 12000);
session_write_close();
ini_set('rsession.lock_expire', '7.5');
rs_start(rs_path(), $id);
$t = $pttl($id);
var_dump($t > 7000 && $t <= 7500);
// The lock holds a 128-bit random token.
var_dump(preg_match('/^[0-9a-f]{32}$/', $r->cmd('GET', "PHPREDIS_SESSION:{$id}_LOCK")));
session_abort();
echo "abort: ", $lock($id), "\n";
rs_start(rs_path(), $id);
session_destroy();
echo "destroy: ", $lock($id), ' ', $r->cmd('EXISTS', "PHPREDIS_SESSION:$id"), "\n";
rs_start(rs_path());
$id = session_id();
$_SESSION['n'] = 5;
session_write_close();
rs_start(rs_path(), $id, ['read_and_close' => true]);
echo "read_and_close: ", $lock($id), ' ', $_SESSION['n'], "\n";
// regenerate(true): old data and lock gone, the new id locked until close.
rs_start(rs_path(), $id);
session_regenerate_id(true);
$new = session_id();
echo "regenerate(true): old lock ", $lock($id), ", old data ", $r->cmd('EXISTS', "PHPREDIS_SESSION:$id"), ", new lock ", $lock($new), "\n";
session_write_close();
echo "after close: new lock ", $lock($new), ", data ", $r->cmd('GET', "PHPREDIS_SESSION:$new"), "\n";
// regenerate(false): old written and unlocked, new locked.
rs_start(rs_path(), $new);
$_SESSION['n'] = 6;
session_regenerate_id(false);
$newer = session_id();
echo "regenerate(false): old lock ", $lock($new), ", old data ", $r->cmd('GET', "PHPREDIS_SESSION:$new"), ", new lock ", $lock($newer), "\n";
session_write_close();
echo "after close: new lock ", $lock($newer), ", data ", $r->cmd('GET', "PHPREDIS_SESSION:$newer"), "\n";
// Strict mode checks the regenerated id: its own fresh lock must not make it wait.
ini_set('session.use_strict_mode', '1');
rs_start(rs_path(), $newer);
$t = microtime(true);
session_regenerate_id(true);
$strict = session_id();
echo "strict regenerate: ", microtime(true) - $t < 0.5 ? "no wait" : "waited", ", new lock ", $lock($strict), ", old lock ", $lock($newer), "\n";
$_SESSION['n'] = 99;
session_write_close();
$newer = $strict;
ini_set('session.use_strict_mode', '0');
// A fatal error ends the request: the session is written and unlocked at shutdown.
[$proc, $pipe] = rs_child('rs_start(' . var_export(rs_path(), true) . ', ' . var_export($newer, true) . '); $_SESSION["n"] = 99; fwrite(STDERR, "locked\n"); undefined_function();');
echo "child: ", rs_child_says($pipe), "\n";
rs_child_end($proc, $pipe);
echo "after fatal error: lock ", $lock($newer), ", data ", $r->cmd('GET', "PHPREDIS_SESSION:$newer"), "\n";
// Settings changed between sessions of one process take effect at the next session_start()
// (rsession keeps the last values it read and must notice every change, restores included).
ini_set('rsession.locking', '0');
rs_start(rs_path(), $newer);
echo "locking=0: lock ", $lock($newer), "\n";
session_write_close();
ini_restore('rsession.locking');
ini_restore('rsession.lock_expire');
rs_start(rs_path(), $newer);
$t = $pttl($newer);
echo "restored: lock ", $lock($newer), ", expiry from max_execution_time again: ", json_encode($t > 11000 && $t <= 12000), "\n";
session_write_close();
ini_set('max_execution_time', '5');
rs_start(rs_path(), $newer);
$t = $pttl($newer);
echo "max_execution_time=5: ", json_encode($t > 4000 && $t <= 5000), "\n";
session_write_close();
?>
--EXPECT--
int(1)
bool(true)
int(0)
bool(true)
bool(true)
int(1)
abort: 0
destroy: 0 0
read_and_close: 0 5
regenerate(true): old lock 0, old data 0, new lock 1
after close: new lock 0, data n|i:5;
regenerate(false): old lock 0, old data n|i:6;, new lock 1
after close: new lock 0, data n|i:6;
strict regenerate: no wait, new lock 1, old lock 0
child: locked
after fatal error: lock 0, data n|i:99;
locking=0: lock 0
restored: lock 1, expiry from max_execution_time again: true
max_execution_time=5: true
