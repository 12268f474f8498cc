--TEST--
TLS (rediss://, tls://): a locked session cycle over a verified connection, the data in the store, 2 round trips (2 sendto) per locked request, phpredis's tls:// spelling and a cross-read with phpredis over TLS
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
require __DIR__ . '/inc/peers.php';
// transports: tcp
// (TLS is over TCP only; this test starts its own TLS redis-server)
$certs = rs_tls_certs();
$port = rs_free_port();
$server = rs_redis_tls_server($port, $certs);
$r = rs_redis_tls($port, $certs);
$path = "rediss://127.0.0.1:$port?cafile={$certs['ca']}";
rs_capture_warnings();

echo "-- request 1 writes, with the lock held meanwhile\n";
$id = rs_new_id('tls');
var_dump(rs_start($path, $id));
echo "lock held: ", json_encode($r->cmd('EXISTS', "PHPREDIS_SESSION:{$id}_LOCK")), "\n";
$_SESSION['user'] = 'ada';
session_write_close();
echo "in the store: ", $r->cmd('GET', "PHPREDIS_SESSION:$id"), "; lock left: ", json_encode($r->cmd('EXISTS', "PHPREDIS_SESSION:{$id}_LOCK")), "\n";

echo "-- request 2 reads it back, by host name (localhost) and with phpredis's tls:// spelling\n";
var_dump(rs_start("rediss://localhost:$port/0?cafile={$certs['ca']}", $id), $_SESSION['user']);
$_SESSION['visits'] = 2;
session_write_close();
var_dump(rs_start("tls://127.0.0.1:$port?stream[cafile]={$certs['ca']}&stream[verify_peer]=1", $id), $_SESSION);
session_write_close();
echo "warnings: ", json_encode(rs_warnings()), "\n";

echo "-- a 3 MB session: many TLS records each way\n";
$id = rs_new_id('tlsbig');
$big = str_repeat(bin2hex(random_bytes(1024)), 1536);
var_dump(rs_start($path, $id));
$_SESSION['big'] = $big;
session_write_close();
var_dump(rs_start($path, $id), $_SESSION['big'] === $big);
session_write_close();

echo "-- round trips of a locked request on a pooled TLS connection (lock+read, write+unlock)\n";
// The child's first request also connects: the handshake's own sends (ClientHello, Finished)
// come on top, once.
$n = 20;
$extra = (int) round(rs_sendto_per_request($path, rs_new_id('tlsrt'), $n) * $n) - 2 * $n;
echo "sendto per request: ", $extra >= 0 && $extra <= 2 ? "2 (+ the handshake's, once)" : "2 + $extra / $n", "\n";
$served = rs_round_trips(function () use ($path) {
    rs_start($path, rs_new_id('tlsrt2'));
    $_SESSION['x'] = 1;
    session_write_close();
}, $r);
echo "round trips served: $served\n";

echo "-- phpredis over TLS writes a session, rsession reads it, and the reverse\n";
$id = rs_new_id('tlsphpredis');
// Debian's phpredis 5.3 takes no stream[...] options in its save_path: it verifies with PHP's
// default CAs, which openssl.cafile sets.
$phpredis = ['session.save_path' => "tls://127.0.0.1:$port", 'openssl.cafile' => $certs['ca']];
echo peer_run('redis', $phpredis, 'session_id("' . $id . '"); session_start(); $_SESSION["by"] = "phpredis"; session_write_close(); echo "phpredis wrote\n";'), "\n";
var_dump(rs_start($path, $id), $_SESSION['by']);
$_SESSION['by'] = 'rsession';
session_write_close();
echo peer_run('redis', $phpredis, 'session_id("' . $id . '"); session_start(); echo "phpredis read: ", $_SESSION["by"], "\n";'), "\n";
echo "warnings: ", json_encode(rs_warnings()), "\n";
rs_kill($server);
?>
--EXPECT--
-- request 1 writes, with the lock held meanwhile
bool(true)
lock held: 1
in the store: user|s:3:"ada";; lock left: 0
-- request 2 reads it back, by host name (localhost) and with phpredis's tls:// spelling
bool(true)
string(3) "ada"
bool(true)
array(2) {
  ["user"]=>
  string(3) "ada"
  ["visits"]=>
  int(2)
}
warnings: []
-- a 3 MB session: many TLS records each way
bool(true)
bool(true)
bool(true)
-- round trips of a locked request on a pooled TLS connection (lock+read, write+unlock)
sendto per request: 2 (+ the handshake's, once)
round trips served: 2
-- phpredis over TLS writes a session, rsession reads it, and the reverse
phpredis wrote
bool(true)
string(8) "phpredis"
phpredis read: rsession
warnings: []
