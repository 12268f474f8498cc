--TEST--
memcached locking: a request whose lock expired never overwrites what another request wrote since, for a session that did not exist (add) as for one that did (cas); a write whose expired lock nobody took is saved without a warning; a lock lasts at least its expiry
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
$path = mc_path();
rs_start($path);
$existing = session_id();
$_SESSION['who'] = 'nobody';
session_write_close();
$ids = ['new' => rs_new_id('lockexpnew'), 'existing' => $existing, 'untaken' => rs_new_id('lockexpuntaken')];
// Three slow requests at once, each on its own session: rsession.lock_expire=1, and they write
// after 3 s. memcached keeps such a lock between 1 and 2 s.
$children = [];
foreach ($ids as $case => $id) {
    $children[$case] = rs_child('rs_capture_warnings(); rs_start(' . var_export($path, true) . ', ' . var_export($id, true) . ');'
        . 'fwrite(STDERR, "locked\n"); usleep(3000000); $_SESSION["who"] = "slow request"; $ok = session_write_close();'
        . 'fwrite(STDERR, json_encode($ok) . " " . implode(" | ", rs_warnings()) . "\n");',
        ['rsession.lock_expire' => '1']);
}
$locked_at = [];
foreach ($children as $case => [$proc, $pipe]) {
    echo "$case: ", rs_child_says($pipe), "\n";
    $locked_at[$case] = microtime(true);
}
// A second request takes the expired lock of "new" and "existing", writes and finishes before
// the slow request writes. Nobody touches "untaken".
foreach (['new', 'existing'] as $case) {
    $ok = rs_start($path, $ids[$case]);
    $waited = microtime(true) - $locked_at[$case];
    echo "$case: second request ", json_encode($ok), $waited >= 0.9 ? ', not before the lock expiry' : ", after only {$waited}s", $waited < 2.5 ? ", before the slow request wrote\n" : ", too late ({$waited}s)\n";
    $_SESSION['who'] = 'second request';
    session_write_close();
}
foreach ($children as $case => [$proc, $pipe]) {
    echo "$case: slow request: ", mc_neutral(rs_child_says($pipe), $path), "\n";
    rs_child_end($proc, $pipe);
}
foreach ($ids as $case => $id) {
    rs_start($path, $id);
    echo "$case: stored: ", $_SESSION['who'] ?? '(nothing)', "\n";
    session_write_close();
}
?>
--EXPECTF--
new: locked
existing: locked
untaken: locked
new: second request true, not before the lock expiry, before the slow request wrote
existing: second request true, not before the lock expiry, before the slow request wrote
new: slow request: true session_write_close(): rsession: memcached NODE%S: session lockexpn…: not saved: its lock expired (after 1s) before this request wrote, so another request may have changed it since; raise rsession.lock_expire | session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
existing: slow request: true session_write_close(): rsession: memcached NODE%S: session %s…: not saved: its lock expired (after 1s) before this request wrote, so another request may have changed it since; raise rsession.lock_expire | session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
untaken: slow request: true 
new: stored: second request
existing: stored: second request
untaken: stored: slow request
