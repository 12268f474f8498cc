--TEST--
Locking, Redis and memcached: a request whose lock expired, and whose write finds the session changed since it read it, is not told "saved" because the newer data happens to be the bytes it meant to write (two increments of one counter, one lost, both reported saved)
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.serialize_handler=php
rsession.lock_wait_timeout=5
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
foreach (['redis' => rs_path(), 'memcached' => mc_path()] as $store => $path) {
echo "== $store\n";
rs_start($path);
$id = session_id();
$_SESSION['n'] = 5;
session_write_close();
// A slow request with rsession.lock_expire=1 reads n, and writes n + 1 after 3 s.
[$proc, $pipe] = rs_child('rs_capture_warnings(); rs_start(' . var_export($path, true) . ', ' . var_export($id, true) . ');'
    . 'fwrite(STDERR, "read {$_SESSION["n"]}\n"); usleep(3000000); $_SESSION["n"]++; $ok = session_write_close();'
    . 'fwrite(STDERR, "saved: " . json_encode($ok && !rs_warnings()) . "\n");',
    ['rsession.lock_expire' => '1']);
echo "slow request: ", rs_child_says($pipe), "\n";
// A second request takes the expired lock, reads the same n and writes n + 1 first.
$ok = rs_start($path, $id);
echo "second request: read {$_SESSION['n']}\n";
$_SESSION['n']++;
echo "second request: saved: ", json_encode(session_write_close() && $ok && !rs_warnings()), "\n";
echo "slow request: ", rs_child_says($pipe), "\n";
rs_child_end($proc, $pipe);
rs_start($path, $id);
echo "stored: {$_SESSION['n']}\n";
session_write_close();
}
?>
--EXPECT--
== redis
slow request: read 5
second request: read 5
second request: saved: true
slow request: saved: false
stored: 6
== memcached
slow request: read 5
second request: read 5
second request: saved: true
slow request: saved: false
stored: 6
