--TEST--
memcached: a lock request that times out on a stalled node (SIGSTOP) leaves no lock once the node resumes, so the user's next request does not wait
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
rs_capture_warnings();
$node = mc_new_address();
$server = mc_server($node);
$pid = proc_get_status($server)['pid'];
$signal = fn (string $sig) => proc_close(proc_open(['kill', "-$sig", (string) $pid], [], $pipes));
$path = mc_path('?read_timeout=0.3&retry_interval=0', [$node]);
$m = new Memc($node);

rs_start($path);
$id = session_id();
$_SESSION['n'] = 1;
session_write_close();
$lock = "memc.sess.key.lock.$id";

// The node stops while the request asks for the lock: it gives up after one read_timeout.
$signal('STOP');
$t = microtime(true);
var_dump(rs_start($path, $id), round(microtime(true) - $t, 1));
usleep(200000);
$signal('CONT');
echo implode("\n", array_map(fn ($w) => mc_neutral($w, $path, [$node]), rs_warnings())), "\n";

// Resumed, the node runs the queued add: the lock is taken, then released behind it.
$gone = false;
for ($i = 0; $i < 50 && !$gone; $i++) {
    usleep(20000);
    $gone = $m->get($lock) === null;
}
var_dump($gone);

// The next request takes the lock at once.
$t = microtime(true);
var_dump(rs_start($path, $id), microtime(true) - $t < 0.2, $_SESSION['n']);
session_write_close();
echo implode("\n", rs_warnings()), "\n";
rs_kill($server);
?>
--EXPECTF--
bool(false)
float(0.3)
session_start(): rsession: memcached NODE: lock+get failed: no reply within 300ms (read_timeout; waited 0.%ds)
session_start(): Failed to read session data: rsession (path: PATH)
bool(true)
bool(true)
bool(true)
int(1)

