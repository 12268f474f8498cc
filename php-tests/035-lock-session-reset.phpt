--TEST--
Locking: session_reset() (PHP reopens storage without closing it) re-reads the data at once, and the lock is released at the end (Redis and memcached)
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
    $_SESSION['n'] = 99;
    $t = microtime(true);
    var_dump(session_reset());
    echo "$store: reset ", microtime(true) - $t < 0.5 ? 'at once' : 'late', ", n = {$_SESSION['n']}\n";
    $_SESSION['n'] = 2;
    session_write_close();
    $t = microtime(true);
    rs_start($path, $id);
    echo "$store: next request ", microtime(true) - $t < 0.5 ? 'at once' : 'late', ", n = {$_SESSION['n']}\n";
    session_write_close();
}
echo json_encode(rs_warnings()), "\n";
?>
--EXPECT--
bool(true)
redis: reset at once, n = 1
redis: next request at once, n = 2
bool(true)
memcached: reset at once, n = 1
memcached: next request at once, n = 2
[]
