--TEST--
TLS server that stalls (SIGSTOP): a handshake that gets no answer fails within the connect timeout, saying so; a pooled TLS connection's request fails within the read timeout; both recover once the server runs again, and after a restart
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
rsession.locking=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp
// (TLS is over TCP only; this test starts its own TLS redis-server)
$certs = rs_tls_certs();
$port = rs_free_port();
$server = rs_redis_tls_server($port, $certs);
rs_capture_warnings();
$neutral = fn (string $w) => str_replace((string) $port, 'PORT', $w);

/** A session cycle on $path; prints whether it started, how long it took against $bound, and the first warning. */
function cycle(string $path, float $bound): void {
    global $neutral;
    $t = microtime(true);
    $ok = rs_start($path, 'tlsstall0123456789abcdef');
    if ($ok) { $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1; session_write_close(); }
    $took = microtime(true) - $t;
    echo $ok ? 'started' : 'refused', $took < $bound ? " within {$bound}s" : sprintf(' in %.2fs, over %.1fs', $took, $bound), "\n";
    foreach (array_slice(rs_warnings(), 0, 1) as $w) { echo '  ', $neutral($w), "\n"; }
}

echo "-- a new connection to a stopped server: the handshake waits for the connect timeout (0.5 s) only\n";
rs_signal($server, 'STOP');
cycle("rediss://127.0.0.1:$port?cafile={$certs['ca']}&timeout=0.5&read_timeout=0.4", 1.2);
rs_signal($server, 'CONT');
cycle("rediss://127.0.0.1:$port?cafile={$certs['ca']}&timeout=0.5&read_timeout=0.4", 0.5);

echo "-- a pooled connection to a server that stops: the request waits for the read timeout (0.4 s) only\n";
$path = "rediss://127.0.0.1:$port?cafile={$certs['ca']}&timeout=0.3&read_timeout=0.4";
cycle($path, 0.5);
rs_signal($server, 'STOP');
cycle($path, 1.2);
rs_signal($server, 'CONT');
cycle($path, 1.0);

echo "-- the server restarts: the pooled TLS connection is found closed and replaced, and the request works\n";
rs_kill($server);
$server = rs_redis_tls_server($port, $certs);
cycle($path, 0.5);
rs_kill($server);
?>
--EXPECT--
-- a new connection to a stopped server: the handshake waits for the connect timeout (0.5 s) only
refused within 1.2s
  session_start(): rsession: redis tls 127.0.0.1:PORT: cannot connect: TLS handshake: no answer within 500ms (connect timeout)
started within 0.5s
-- a pooled connection to a server that stops: the request waits for the read timeout (0.4 s) only
started within 0.5s
refused within 1.2s
  session_start(): rsession: redis tls 127.0.0.1:PORT: lock+GET failed: no reply within 0.4s (timeout)
started within 1s
-- the server restarts: the pooled TLS connection is found closed and replaced, and the request works
started within 0.5s
