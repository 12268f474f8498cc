--TEST--
memcached, lock and data on two nodes: when the data's node stalls (SIGSTOP) during the read or the write, the request fails in one read_timeout and its lock, on the node that still answers, is released at once, not left for rsession.lock_expire
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
rsession.lock_wait_timeout=2
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp tcp6
// (two nodes apart: a save_path entry holds one unix socket, and the unix transport has one)
rs_capture_warnings();
$nodes = [mc_new_address(), mc_new_address(), mc_new_address()];
$servers = array_map(fn ($n) => mc_server($n), $nodes);
$signal = fn (int $i, string $sig) => rs_signal($servers[$i], $sig);
$path = mc_path('?read_timeout=0.3&retry_interval=0', $nodes);

// A session whose lock is on another node than its data (found while the lock is held).
for ($try = 0; $try < 50; $try++) {
    rs_start($path);
    $id = session_id();
    $_SESSION['n'] = 1;
    session_write_close();
    rs_start($path, $id);
    $data = mc_where($nodes, "memc.sess.key.$id");
    $lock = mc_where($nodes, "memc.sess.key.lock.$id");
    session_write_close();
    if (count($lock) === 1 && $lock !== $data) { break; }
}
[$d, $l] = [$data[0], $lock[0]];
echo "lock apart from the data: ", json_encode($l !== $d), "\n";
$lock_gone = function () use ($nodes, $l, $id): bool {
    for ($i = 0; $i < 50; $i++) {
        if ((new Memc($nodes[$l]))->get("memc.sess.key.lock.$id") === null) { return true; }
        usleep(20000);
    }
    return false;
};

echo "== the data's node stops before the read\n";
$signal($d, 'STOP');
$t = microtime(true);
var_dump(rs_start($path, $id), round(microtime(true) - $t, 1));
echo "lock released while the data's node is stopped: ", json_encode($lock_gone()), "\n";
$signal($d, 'CONT');
usleep(100000); // what the stopped node had queued runs now
echo implode("\n", array_map(fn ($w) => mc_neutral($w, $path, $nodes), rs_warnings())), "\n";
$t = microtime(true);
var_dump(rs_start($path, $id), microtime(true) - $t < 0.2, $_SESSION['n']);

echo "== the data's node stops before the write\n";
$_SESSION['n'] = 2;
$signal($d, 'STOP');
session_write_close(); // true whatever the write did: PHP 8.2 reports only warnings
echo "lock released while the data's node is stopped: ", json_encode($lock_gone()), "\n";
$signal($d, 'CONT');
usleep(100000); // what the stopped node had queued runs now
echo implode("\n", array_map(fn ($w) => mc_neutral($w, $path, $nodes), rs_warnings())), "\n";
$t = microtime(true);
var_dump(rs_start($path, $id), microtime(true) - $t < 0.2);
$_SESSION['n'] = 3;
session_write_close();
echo implode("\n", rs_warnings()), "\n";
echo "stored: ", (new Memc($nodes[$d]))->get("memc.sess.key.$id"), "\n";
foreach ($servers as $s) { rs_kill($s); }
?>
--EXPECTF--
lock apart from the data: true
== the data's node stops before the read
bool(false)
float(0.3)
lock released while the data's node is stopped: true
session_start(): rsession: memcached NODE: get failed: no reply within 300ms (read_timeout; waited 0.%ds)
session_start(): Failed to read session data: rsession (path: PATH)
bool(true)
bool(true)
int(1)
== the data's node stops before the write
lock released while the data's node is stopped: true
session_write_close(): rsession: memcached NODE: write+unlock failed: no reply within 300ms (read_timeout; waited 0.%ds)
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
bool(true)
bool(true)

stored: n|i:3;
