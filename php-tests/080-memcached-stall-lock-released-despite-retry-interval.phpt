--TEST--
memcached: with the default retry_interval (2 s), a lock request that timed out on a stalled node (SIGSTOP) is still released once the node resumes; the down-marking must not stop the background release
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
// retry_interval is left at its default: the node is marked down for 2 s after the timeout.
$path = mc_path('?read_timeout=0.3', [$node]);
$m = new Memc($node);

rs_start($path);
$id = session_id();
$_SESSION['n'] = 1;
session_write_close();
$lock = "memc.sess.key.lock.$id";

$signal('STOP');
var_dump(rs_start($path, $id));
usleep(200000);
$signal('CONT');
rs_warnings();

// Resumed, the node runs the queued add; the lock must be released behind it, well before
// the lock's own expiry (31 s).
$t = microtime(true);
$gone = false;
while (!$gone && microtime(true) - $t < 4) {
    usleep(20000);
    $gone = $m->get($lock) === null;
}
var_dump($gone);

// Once the node is back in service (after retry_interval), the next request takes the lock at once.
usleep(2100000);
$t = microtime(true);
var_dump(rs_start($path, $id), round(microtime(true) - $t, 1), $_SESSION['n'] ?? null);
session_write_close();
echo implode("\n", array_map(fn ($w) => mc_neutral($w, $path, [$node]), rs_warnings())), "\n";
rs_kill($server);
?>
--EXPECT--
bool(false)
bool(true)
bool(true)
float(0)
int(1)
