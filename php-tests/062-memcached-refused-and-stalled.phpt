--TEST--
memcached: a refused node fails the first request at once (connect in the request's thread), later ones skip it; a stalled node (SIGSTOP) costs one read_timeout per round trip, and the warning says how long it waited
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

// Refused: a TCP port nobody listens on, or a socket file nobody serves.
if (rs_transport() === 'unix') {
    $refused = mc_new_address();
    fclose(stream_socket_server("unix://$refused"));
} else {
    $refused = rs_host() . ':' . rs_down_port();
}
$slowest = 0.0;
foreach (['1', '0'] as $locking) {
    ini_set('rsession.locking', $locking);
    // A node pool of its own each time (pools are shared by address and retry_interval), whose
    // first request connects.
    $path = mc_path("?retry_interval=3.$locking&timeout=2", [$refused]);
    $t = microtime(true);
    $ok = rs_start($path, rs_new_id('refused'));
    $slowest = max($slowest, microtime(true) - $t);
    echo "locking=$locking: ", json_encode($ok), ' ', mc_neutral(rs_warnings()[0], $path, [$refused]), "\n";
    $t = microtime(true);
    rs_start($path, rs_new_id('refused'));
    $slowest = max($slowest, microtime(true) - $t);
    echo "locking=$locking, next request: ", preg_replace('/[\d.]+s more/', 'Ns more', mc_neutral(rs_warnings()[0], $path, [$refused])), "\n";
}
echo $slowest < 0.05 ? "each failed in well under 50 ms\n" : "the slowest took {$slowest}s\n";
if (str_starts_with($refused, '/')) { unlink($refused); }

// Stalled: a memcached of our own, stopped with SIGSTOP. The kernel still accepts connections
// for it, and nothing answers. retry_interval=0: every request tries it again.
$node = mc_new_address();
$server = mc_server($node);
// rs_signal's STOP returns once every thread of the server is stopped: a busy machine may take
// a moment, and a write sent before then is answered (seen under load).
$signal = fn (string $sig) => rs_signal($server, $sig);
$path = mc_path('?read_timeout=0.3&retry_interval=0', [$node]);
$neutral = fn (string $text) => preg_replace('/waited 0\.\d+s/', 'waited 0.Ns', mc_neutral($text, $path, [$node]));
$timed = function (string $what, callable $fn) use ($neutral) {
    $t = microtime(true);
    $fn();
    $took = microtime(true) - $t;
    echo "$what: ", $took >= 0.29 && $took < 0.45 ? 'one read_timeout' : "{$took}s", "\n";
    foreach (rs_warnings() as $w) { echo '  ', $neutral($w), "\n"; }
};
rs_start($path);
$id = session_id();
$_SESSION['n'] = 1;
session_write_close();
foreach (['1', '0'] as $locking) {
    ini_set('rsession.locking', $locking);
    // The session opens, then the server stops: the write waits one read_timeout.
    rs_start($path, $id);
    $_SESSION['n']++;
    $signal('STOP');
    $timed("locking=$locking, write to a stalled node", fn () => session_write_close());
    $timed("locking=$locking, start on a stalled node", fn () => rs_start($path, $id));
    $signal('CONT');
}
// Running again: the next request works at once. The two writes that got no reply in time ran
// once the server did (n went 1, 2, 3): a timeout tells nothing about whether a write happened,
// and the warnings do not say "not saved".
$t = microtime(true);
var_dump(rs_start($path, $id), $_SESSION['n'], microtime(true) - $t < 0.1);
session_write_close();
rs_kill($server);
?>
--EXPECTF--
locking=1: false session_start(): rsession: memcached NODE: cannot connect: Connection refused (os error 111)
locking=1, next request: session_start(): rsession: memcached NODE: skipped for Ns more after: cannot connect: Connection refused (os error 111)
locking=0: false session_start(): rsession: memcached NODE: cannot connect: Connection refused (os error 111)
locking=0, next request: session_start(): rsession: memcached NODE: skipped for Ns more after: cannot connect: Connection refused (os error 111)
each failed in well under 50 ms
locking=1, write to a stalled node: one read_timeout
  session_write_close(): rsession: memcached NODE: write+unlock failed: no reply within 300ms (read_timeout; waited 0.Ns)
  session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
locking=1, start on a stalled node: one read_timeout
  session_start(): rsession: memcached NODE: lock+get failed: no reply within 300ms (read_timeout; waited 0.Ns)
  session_start(): Failed to read session data: rsession (path: PATH)
locking=0, write to a stalled node: one read_timeout
  session_write_close(): rsession: memcached NODE: set failed: no reply within 300ms (read_timeout; waited 0.Ns)
  session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
locking=0, start on a stalled node: one read_timeout
  session_start(): rsession: memcached NODE: get failed: no reply within 300ms (read_timeout; waited 0.Ns)
  session_start(): Failed to read session data: rsession (path: PATH)
bool(true)
int(3)
bool(true)
