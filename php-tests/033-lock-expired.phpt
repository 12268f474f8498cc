--TEST--
Locking: a holder that outlives its lock loses it; its late write is refused with a warning and the new holder's data survives; a SIGKILLed holder's lock expires on time
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
rsession.lock_wait_timeout=5
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_start(rs_path());
$id = session_id();
$_SESSION['who'] = 'nobody';
session_write_close();
$path = var_export(rs_path(), true);
$sid = var_export($id, true);

// A slow holder: its lock expires after 0.4 s, it writes after 1.2 s.
[$proc, $pipe] = rs_child("rs_capture_warnings(); rs_start($path, $sid); fwrite(STDERR, \"locked\\n\");"
    . 'usleep(1200000); $_SESSION["who"] = "slow holder"; $ok = session_write_close();'
    . 'fwrite(STDERR, json_encode($ok) . " " . implode(" | ", rs_warnings()) . "\n");',
    ['rsession.lock_expire' => '0.4']);
echo rs_child_says($pipe), "\n";
$t = microtime(true);
var_dump(rs_start(rs_path(), $id));
$waited = microtime(true) - $t;
echo $waited > 0.2 && $waited < 0.9 ? "took the expired lock\n" : "waited $waited s\n";
$_SESSION['who'] = 'second';
session_write_close();
echo rs_neutral(rs_child_says($pipe)), "\n";
rs_child_end($proc, $pipe);
var_dump(rs_redis()->cmd('GET', "PHPREDIS_SESSION:$id"));

// SIGKILL: nothing releases the lock; it expires after rsession.lock_expire (1 s).
[$proc, $pipe] = rs_child("rs_start($path, $sid); fwrite(STDERR, \"locked\\n\"); sleep(30);", ['rsession.lock_expire' => '1']);
echo rs_child_says($pipe), "\n";
$killed = microtime(true);
proc_terminate($proc, 9);
rs_child_end($proc, $pipe);
var_dump(rs_start(rs_path(), $id));
$waited = microtime(true) - $killed;
echo $waited > 0.5 && $waited < 1.5 ? "lock expired on time\n" : "waited $waited s\n";
var_dump($_SESSION['who']);
session_write_close();
?>
--EXPECTF--
locked
bool(true)
took the expired lock
true session_write_close(): rsession: redis ADDR: session %s…: not saved: its lock expired (after 400ms) before this request wrote, so another request may have changed it since; raise rsession.lock_expire | session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
string(17) "who|s:6:"second";"
locked
bool(true)
lock expired on time
string(6) "second"
