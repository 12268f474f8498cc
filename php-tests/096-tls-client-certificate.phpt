--TEST--
TLS with a server that requires a client certificate (tls-auth-clients yes): without one, a warning that says to give cert= and key=; with one (cert=/key=, or phpredis's stream[local_cert]/stream[local_pk]), sessions work
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
$dir = $certs['dir'];
$port = rs_free_port();
$server = rs_redis_tls_server($port, $certs, 'server', ['--tls-auth-clients', 'yes']);
rs_capture_warnings();
$base = "rediss://127.0.0.1:$port?cafile=$dir/ca.pem";

// With TLS 1.3 the client's handshake is over before the server has checked it: the server's
// refusal comes as the answer to the first command.
echo "-- no client certificate\n";
$t = microtime(true);
var_dump(rs_start($base, rs_new_id('tlsnocert')));
echo str_replace([$dir, (string) $port], ['DIR', 'PORT'], rs_warnings()[0] ?? 'NO WARNING'), "\n";
echo microtime(true) - $t < 0.5 ? "quick\n" : "SLOW\n";

echo "-- cert= and key=\n";
$id = rs_new_id('tlscert');
var_dump(rs_start("$base&cert=$dir/client.pem&key=$dir/client.key", $id));
$_SESSION['who'] = 'client.example';
session_write_close();
echo "in the store: ", rs_redis_tls($port, $certs, true)->cmd('GET', "PHPREDIS_SESSION:$id"), "\n";

echo "-- phpredis's spelling\n";
var_dump(rs_start("tls://127.0.0.1:$port?stream[cafile]=$dir/ca.pem&stream[local_cert]=$dir/client.pem&stream[local_pk]=$dir/client.key", $id), $_SESSION['who']);
session_write_close();
echo "warnings: ", json_encode(rs_warnings()), "\n";
rs_kill($server);
?>
--EXPECT--
-- no client certificate
bool(false)
session_start(): rsession: redis tls 127.0.0.1:PORT: lock+GET failed: TLS: the server refused the connection (received fatal alert: CertificateRequired): it wants a client certificate; give cert= and key=
quick
-- cert= and key=
bool(true)
in the store: who|s:14:"client.example";
-- phpredis's spelling
bool(true)
string(14) "client.example"
warnings: []
