--TEST--
TLS: an untrusted CA, a name mismatch, an expired certificate and a plain port each fail fast with a warning that names the problem; verify_peer=0 connects anyway; bad TLS options and files are configuration errors naming the option and the file
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
// (TLS is over TCP only; this test starts its own TLS redis-servers)
$certs = rs_tls_certs();
$dir = $certs['dir'];
rs_capture_warnings();

/** Starts a session on $path; prints the outcome, its first warning and whether it was quick. */
function attempt(string $title, string $path): void {
    global $dir;
    $t = microtime(true);
    $ok = rs_start($path, rs_new_id('tlsbad'));
    $took = microtime(true) - $t;
    $w = rs_warnings();
    echo "$title: ", $ok ? 'started' : 'refused', $took < 0.5 ? '' : sprintf(' SLOW (%.1fs)', $took), "\n";
    if ($w) { echo '  ', str_replace([$dir, (string) $GLOBALS['port']], ['DIR', 'PORT'], $w[0]), "\n"; }
    if ($ok) { $_SESSION['n'] = 1; session_write_close(); echo "  warnings after: ", json_encode(rs_warnings()), "\n"; }
}

foreach (['untrusted' => 'a certificate signed by another CA', 'wrong_name' => 'a certificate for other.example only',
          'expired' => 'an expired certificate'] as $which => $what) {
    echo "== the server shows $what\n";
    $port = rs_free_port();
    $server = rs_redis_tls_server($port, $certs, $which);
    attempt('verified', "rediss://127.0.0.1:$port?cafile=$dir/ca.pem");
    attempt('verify_peer=0', "rediss://127.0.0.1:$port?cafile=$dir/ca.pem&verify_peer=0");
    if ($which === 'wrong_name') {
        attempt('by the name localhost', "rediss://localhost:$port?cafile=$dir/ca.pem");
    }
    if ($which === 'untrusted') {
        attempt('no cafile (the system CAs)', "rediss://127.0.0.1:$port");
        attempt('cafile=other_ca.pem', "rediss://127.0.0.1:$port?cafile=$dir/other_ca.pem");
    }
    rs_kill($server);
}

echo "== rediss:// to a plain (non-TLS) Redis port: it waits for a command line, so the handshake gets no answer\n";
$port = rs_port();
attempt('plain port', "rediss://127.0.0.1:$port?verify_peer=0&timeout=0.3");

echo "== bad options and files: configuration errors, nothing connects\n";
file_put_contents("$dir/empty.pem", '');
file_put_contents("$dir/garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
foreach ([
    "rediss://127.0.0.1:1?cafile=$dir/missing.pem",
    "rediss://127.0.0.1:1?cafile=$dir/empty.pem",
    "rediss://127.0.0.1:1?cafile=$dir/garbage.pem",
    "rediss://127.0.0.1:1?cafile=$dir/ca.pem&cert=$dir/client.pem",
    "rediss://127.0.0.1:1?cafile=$dir/ca.pem&cert=$dir/client.pem&key=$dir/empty.pem",
    "rediss://127.0.0.1:1?cafile=$dir/ca.pem&cert=$dir/client.pem&key=$dir/server.key",
    "tls://127.0.0.1:1?auth=secret&stream[local_cert]=$dir/missing.pem&stream[local_pk]=$dir/client.key",
    "tls://127.0.0.1:1?auth=secret&stream[verify_peer_name]=0",
    'rediss://127.0.0.1:1?verify_peer=maybe',
    'rediss://127.0.0.1:1?cafile=ca.pem',
    'redis://127.0.0.1:1?cafile=/etc/ssl/certs/ca-certificates.crt',
] as $path) {
    attempt('config', $path);
}
?>
--EXPECTF--
== the server shows a certificate signed by another CA
verified: refused
  session_start(): rsession: redis tls 127.0.0.1:PORT: cannot connect: TLS: the server's certificate is not trusted: unknown issuer (not signed by a CA in cafile "DIR/ca.pem")
verify_peer=0: started
  warnings after: []
no cafile (the system CAs): refused
  session_start(): rsession: redis tls 127.0.0.1:PORT: cannot connect: TLS: the server's certificate is not trusted: unknown issuer (not signed by any of the system's CAs: give cafile=)
cafile=other_ca.pem: started
  warnings after: []
== the server shows a certificate for other.example only
verified: refused
  session_start(): rsession: redis tls 127.0.0.1:PORT: cannot connect: TLS: the server's certificate does not match the host name: certificate not valid for name "127.0.0.1"; certificate is only valid for DnsName("other.example")
verify_peer=0: started
  warnings after: []
by the name localhost: refused
  session_start(): rsession: redis tls localhost:PORT: cannot connect: TLS: the server's certificate does not match the host name: certificate not valid for name "localhost"; certificate is only valid for DnsName("other.example")
== the server shows an expired certificate
verified: refused
  session_start(): rsession: redis tls 127.0.0.1:PORT: cannot connect: TLS: the server's certificate has expired
verify_peer=0: started
  warnings after: []
== rediss:// to a plain (non-TLS) Redis port: it waits for a command line, so the handshake gets no answer
plain port: refused
  session_start(): rsession: redis tls 127.0.0.1:PORT: cannot connect: TLS handshake: no answer within 300ms (connect timeout)
== bad options and files: configuration errors, nothing connects
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?cafile=DIR/missing.pem": cafile "DIR/missing.pem": cannot read: No such file or directory (os error 2)
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?cafile=DIR/empty.pem": cafile "DIR/empty.pem": no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?cafile=DIR/garbage.pem": cafile "DIR/garbage.pem": bad PEM: %s
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?cafile=DIR/ca.pem&cert=DIR/client.pem": cert= needs key= (the client certificate's private key, PEM)
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?cafile=DIR/ca.pem&cert=DIR/client.pem&key=DIR/empty.pem": key "DIR/empty.pem": no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----, or an RSA or EC key)
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?cafile=DIR/ca.pem&cert=DIR/client.pem&key=DIR/server.key": cert "DIR/client.pem" with key "DIR/server.key": the key is not the certificate's (they do not go together)
config: refused
  session_start(): rsession: save_path entry 1 "tls://127.0.0.1:1?auth=***&stream[local_cert]=DIR/missing.pem&stream[local_pk]=DIR/client.key": cert "DIR/missing.pem": cannot read: No such file or directory (os error 2)
config: refused
  session_start(): rsession: save_path entry 1 "tls://127.0.0.1:1?auth=***&stream[verify_peer_name]=0": unknown TLS parameter "stream[verify_peer_name]" (known: cafile, verify_peer, cert, key, or as phpredis writes them: stream[cafile], stream[verify_peer], stream[local_cert], stream[local_pk])
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?verify_peer=maybe": verify_peer "maybe" is not 1 or 0
config: refused
  session_start(): rsession: save_path entry 1 "rediss://127.0.0.1:1?cafile=ca.pem": cafile "ca.pem" is not an absolute path (PHP's working directory varies: write /path/to/file.pem)
config: refused
  session_start(): rsession: save_path entry 1 "redis://127.0.0.1:1?cafile=/etc/ssl/certs/ca-certificates.crt": parameter "cafile" is for TLS: use rediss:// or tls:// (TLS is for Redis over TCP only)
