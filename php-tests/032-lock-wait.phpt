--TEST--
Locking: a second request waits while the first holds the lock and proceeds right after release; a wait timeout fails, or reads only with lock_timeout_readonly
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
$holder = fn (float $hold) => rs_child(
    'rs_start(' . var_export(rs_path(), true) . ', ' . var_export($id, true) . '); fwrite(STDERR, "locked\n");'
    . 'usleep(' . (int) ($hold * 1e6) . '); $_SESSION["who"] = "holder"; session_write_close();');

// 1. Waits about as long as the holder holds (0.6 s), not the 5 s budget, and sees its write.
[$proc, $pipe] = $holder(0.6);
echo rs_child_says($pipe), "\n";
$t = microtime(true);
var_dump(rs_start(rs_path(), $id));
$waited = microtime(true) - $t;
echo $waited > 0.4 && $waited < 1.2 ? "waited for the holder\n" : "waited $waited s\n";
var_dump($_SESSION['who']);
$_SESSION['who'] = 'waiter';
session_write_close();
rs_child_end($proc, $pipe);

// 2. The budget runs out first: session_start() fails after about rsession.lock_wait_timeout.
rs_capture_warnings();
ini_set('rsession.lock_wait_timeout', '0.5');
[$proc, $pipe] = $holder(2.0);
echo rs_child_says($pipe), "\n";
$t = microtime(true);
var_dump(rs_start(rs_path(), $id));
$waited = microtime(true) - $t;
echo $waited >= 0.5 && $waited < 0.9 ? "gave up at the budget\n" : "gave up after $waited s\n";
echo rs_neutral(implode("\n", rs_warnings())), "\n";

// 3. lock_timeout_readonly: the request goes on with the data read, and its write is skipped.
ini_set('rsession.lock_timeout_readonly', '1');
var_dump(rs_start(rs_path(), $id), $_SESSION['who']);
$_SESSION['who'] = 'read-only request';
var_dump(session_write_close());
echo rs_neutral(implode("\n", rs_warnings())), "\n";
rs_child_end($proc, $pipe);
var_dump(rs_redis()->cmd('GET', "PHPREDIS_SESSION:$id"));
?>
--EXPECTF--
locked
bool(true)
waited for the holder
string(6) "holder"
locked
bool(false)
gave up at the budget
session_start(): rsession: redis ADDR: session %s…: still locked by another request after waiting 0.5s (rsession.lock_wait_timeout)
session_start(): Failed to read session data: rsession (path: PATH)
bool(true)
string(6) "waiter"
bool(true)
session_write_close(): rsession: redis ADDR: session %s…: not saved: the lock wait timed out and rsession.lock_timeout_readonly opened it read-only
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
string(17) "who|s:6:"holder";"
