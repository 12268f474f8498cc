--TEST--
Locking: session_create_id() during an active session keeps that session's lock, and its write and release still work (Redis and memcached)
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
foreach (['redis' => rs_path(), 'memcached' => mc_path()] as $store => $path) {
    rs_start($path);
    $id = session_id();
    $_SESSION['n'] = 1;
    session_write_close();
    rs_start($path, $id);
    $new = session_create_id();
    $_SESSION['n'] = 2;
    session_write_close();
    // The session was saved, its lock released: the next request starts at once.
    $t = microtime(true);
    rs_start($path, $id);
    $waited = microtime(true) - $t;
    echo "$store: new id ", $new !== $id && preg_match('/^[a-zA-Z0-9,-]+$/', $new) ? 'ok' : 'BAD', ", n = {$_SESSION['n']}, ", $waited < 0.5 ? 'no wait' : sprintf('waited %.1fs', $waited), "\n";
    session_write_close();
    // And the new id is usable, unlocked.
    $t = microtime(true);
    rs_start($path, $new);
    echo "$store: the created id starts ", microtime(true) - $t < 0.5 ? 'at once' : 'late', "\n";
    session_write_close();
}
echo json_encode(rs_warnings()), "\n";
?>
--EXPECT--
redis: new id ok, n = 2, no wait
redis: the created id starts at once
memcached: new id ok, n = 2, no wait
memcached: the created id starts at once
[]
