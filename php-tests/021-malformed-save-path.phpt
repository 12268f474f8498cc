--TEST--
Every malformed save_path gets a warning that quotes the entry and names the bad part
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
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp
// (no store involved)
$paths = [
    '',
    'redis://127.0.0.1,,redis://b',
    'redis://127.0.0.1,redis://h:99999',
    'redis://h:0',
    'redis://h:abc',
    'redis://h:',
    'redis://:6379',
    'http://h:1',
    'redis://h/abc',
    'redis://h?database=x',
    'redis://h?foo=1',
    'redis://h?database',
    'redis://h?database=1&database=2',
    'redis://h?timeout=abc',
    'redis://h?read_timeout=-1',
    'redis://h?timeout=5000',
    'redis://[::1:6379',
    'redis://::1:6379',
    'redis://ho!st:1',
    'unix://',
    'unix://relative.sock',
    'redis://h?prefix=%zz',
    'redis://bob:hunter2@h:99999',
    'tcp://h?auth=a&auth[]=b',
    'tcp://h?auth[]=a&auth[]=b&auth[]=c',
    'tcp://h?weight=0',
    'tcp://h?auth[user]=bob',
    'tcp://h?auth[user]=bob&auth[]=pw',
    // Several hosts: one prefix for all, Redis only, and each TLS entry's files checked.
    'tcp://a?prefix=A:, tcp://b',
    'tcp://a, memcached://m1,m2',
    'tcp://a tls://b:6380?cafile=/nonexistent/ca.pem',
    // Redis Cluster: seeds, database 0 only, one entry, a prefix its locks can live with.
    'redis+cluster://h:7000/2',
    'redis+cluster://h:7000,,h:7001',
    'seed[]=h:7000&seed[]=h:x',
    'seed[]=h:7000&auth=secret&weight=2',
    'seed[]=h:7000&prefix=a}b',
    'redis://a, redis+cluster://h:7000',
];
rs_capture_warnings();
foreach ($paths as $path) {
    $t = microtime(true);
    $ok = rs_start($path, 'malformed0123456789abcd');
    $w = rs_warnings();
    echo $ok ? 'STARTED ' : '', $w[0] ?? 'NO WARNING', "\n";
    if (($w[1] ?? '') !== "session_start(): Failed to initialize storage module: rsession (path: $path)") {
        echo "  unexpected second warning: ", json_encode($w), "\n";
    }
}
?>
--EXPECT--
session_start(): rsession: save_path: is empty (expected e.g. redis://127.0.0.1:6379)
session_start(): rsession: save_path entry 2 "": empty entry (stray comma?)
session_start(): rsession: save_path entry 2 "redis://h:99999": port 99999 out of range (1-65535)
session_start(): rsession: save_path entry 1 "redis://h:0": port 0 out of range (1-65535)
session_start(): rsession: save_path entry 1 "redis://h:abc": port "abc" is not a number
session_start(): rsession: save_path entry 1 "redis://h:": missing port after ':'
session_start(): rsession: save_path entry 1 "redis://:6379": missing host
session_start(): rsession: save_path entry 1 "http://h:1": unsupported scheme "http" (expected redis://, rediss://, tcp://, tls://, unix://, redis+sentinel://, redis+cluster:// or memcached://)
session_start(): rsession: save_path entry 1 "redis://h/abc": database in path "abc" is not a number
session_start(): rsession: save_path entry 1 "redis://h?database=x": database "x" is not a number
session_start(): rsession: save_path entry 1 "redis://h?foo=1": unknown parameter "foo" (known: auth, auth[], auth[user], auth[pass], database, prefix, timeout, read_timeout, persistent, weight, retry_interval, wait; with TLS: cafile, verify_peer, cert, key)
session_start(): rsession: save_path entry 1 "redis://h?database": parameter "database" has no value (expected database=...)
session_start(): rsession: save_path entry 1 "redis://h?database=1&database=2": parameter "database" is given twice
session_start(): rsession: save_path entry 1 "redis://h?timeout=abc": timeout "abc" is not a number of seconds
session_start(): rsession: save_path entry 1 "redis://h?read_timeout=-1": read_timeout "-1" must be 0 (default) or a positive number of seconds
session_start(): rsession: save_path entry 1 "redis://h?timeout=5000": timeout 5000 is over 3600 seconds (milliseconds given as seconds?)
session_start(): rsession: save_path entry 1 "redis://[::1:6379": IPv6 address has no closing ']'
session_start(): rsession: save_path entry 1 "redis://::1:6379": host "::1:6379": write IPv6 addresses in brackets, e.g. [::1]:6379
session_start(): rsession: save_path entry 1 "redis://ho!st:1": host "ho!st" contains the character '!'
session_start(): rsession: save_path entry 1 "unix://": missing socket path (expected unix:///path/to/redis.sock)
session_start(): rsession: save_path entry 1 "unix://relative.sock": socket path "relative.sock" is not absolute (expected unix:///relative.sock)
session_start(): rsession: save_path entry 1 "redis://h?prefix=%zz": parameter "prefix": bad percent-escape "%zz"
session_start(): rsession: save_path entry 1 "redis://bob:***@h:99999": port 99999 out of range (1-65535)
session_start(): rsession: save_path entry 1 "tcp://h?auth=***&auth[]=***": auth is given in two forms (auth= and auth[]=); use one: auth=password, auth[]=user&auth[]=password, or auth[user]=user&auth[pass]=password
session_start(): rsession: save_path entry 1 "tcp://h?auth[]=***&auth[]=***&auth[]=***": auth[] is given 3 times (expected auth[]=user&auth[]=password)
session_start(): rsession: save_path entry 1 "tcp://h?weight=0": weight "0" is not a positive whole number
session_start(): rsession: save_path entry 1 "tcp://h?auth[user]=***": auth[user] needs auth[pass] (auth[user]=user&auth[pass]=password)
session_start(): rsession: save_path entry 1 "tcp://h?auth[user]=***&auth[]=***": auth is given in two forms (auth[]= and auth[user]=); use one: auth=password, auth[]=user&auth[]=password, or auth[user]=user&auth[pass]=password
session_start(): rsession: save_path entry 2 "tcp://b": prefix "PHPREDIS_SESSION:" differs from entry 1's "A:"; rsession needs one prefix for all hosts: give every entry the same prefix=
session_start(): rsession: save_path entry 2 "memcached://m1,m2": memcached cannot be combined with other entries: list every memcached node in one entry (memcached://a,b), or list only Redis hosts
session_start(): rsession: save_path entry 2 "tls://b:6380?cafile=/nonexistent/ca.pem": cafile "/nonexistent/ca.pem": cannot read: No such file or directory (os error 2)
session_start(): rsession: save_path entry 1 "redis+cluster://h:7000/2": a Redis Cluster has only database 0, and no unix sockets: write redis+cluster://host:port[,host:port...]
session_start(): rsession: save_path entry 1 "redis+cluster://h:7000,,h:7001": seed 2: empty (stray comma?)
session_start(): rsession: save_path entry 1 "seed[]=h:7000&seed[]=h:x": seed[] h:x: port "x" is not a number
session_start(): rsession: save_path entry 1 "seed[]=h:7000&auth=***&weight=2": a Redis Cluster places sessions by hash slot: weight does not apply
session_start(): rsession: save_path entry 1 "seed[]=h:7000&prefix=a}b": prefix "a}b" holds a '}' outside a {hash tag}: in a Redis Cluster the session's lock could not be put in its data's hash slot; remove the '}' or make the prefix a complete tag such as {sessions}:
session_start(): rsession: save_path entry 2 "redis+cluster://h:7000": a Redis Cluster is the whole save_path: list its seed nodes in this one entry
