--TEST--
Redis Cluster wait=1: a WAIT the server refuses (an ACL user without WAIT on every node) leaves the write done, as on one server: session_write_close() succeeds with a warning naming the refusal, the data is stored and the lock released, with locking on and off; a master with no replica left (its replica killed) keeps the write too, with the "only 0 of 1" warning
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
--FILE--
<?php
require __DIR__ . '/inc/cluster.php';
// transports: tcp (a cluster of the test's own)
rs_capture_warnings();
$c = new RsCluster(3, 1, null, ['--user', 'nowait', 'on', '>nowait-pw', '~*', '&*', '+@all', '-wait']);
try {
    $neutral = fn (array $w) => json_encode(array_map(fn ($m) => preg_replace('/127\.0\.0\.1:\d+/', 'NODE', $m), $w));
    foreach (['1', '0'] as $locking) {
        ini_set('rsession.locking', $locking);
        echo "== WAIT refused, locking=$locking\n";
        $path = 'redis+cluster://nowait:nowait-pw@' . $c->seeds() . '?wait=1&read_timeout=1';
        $id = "refused$locking" . bin2hex(random_bytes(4));
        $key = "PHPREDIS_CLUSTER_SESSION:$id";
        var_dump(rs_start($path, $id));
        $_SESSION['v'] = 'kept';
        var_dump(session_write_close());
        echo "warnings: ", $neutral(rs_warnings()), "\n";
        echo "stored: ", var_export(str_contains((string) $c->onKey($key, 'GET', $key), 'kept'), true),
            "; lock left: ", $c->onKey($key, 'EXISTS', "{{$key}}_LOCK"), "\n";
        rs_start($path, $id);
        echo "read back: ", $_SESSION['v'] ?? '(nothing)', "\n";
        session_write_close();
        rs_warnings();
    }

    echo "== the master's only replica killed\n";
    ini_set('rsession.locking', '1');
    $path = 'redis+cluster://' . $c->seeds() . '?wait=1&read_timeout=0.5';
    $id = 'alone' . bin2hex(random_bytes(4));
    $key = "PHPREDIS_CLUSTER_SESSION:$id";
    $master = $c->masterOf($key);
    foreach ($c->ports as $port) {
        if (!in_array($port, $c->masters(), true) && str_contains((string) $c->node($port)->cmd('INFO', 'replication'), "master_port:$master\r")) {
            $c->kill($port);
        }
    }
    var_dump(rs_start($path, $id));
    $_SESSION['v'] = 'alone';
    var_dump(session_write_close());
    echo "warnings: ", $neutral(rs_warnings()), "\n";
    rs_start($path, $id);
    echo "read back: ", $_SESSION['v'] ?? '(nothing)', "\n";
    session_write_close();
    rs_warnings();
} finally {
    $c->stop();
}
?>
--EXPECT--
== WAIT refused, locking=1
bool(true)
bool(true)
warnings: ["session_write_close(): rsession: redis cluster NODE,NODE,NODE,NODE,NODE,NODE: session written, but WAIT for wait=1 replicas failed: NoPerm: this user has no permissions to run the 'wait' command"]
stored: true; lock left: 0
read back: kept
== WAIT refused, locking=0
bool(true)
bool(true)
warnings: ["session_write_close(): rsession: redis cluster NODE,NODE,NODE,NODE,NODE,NODE: session written, but WAIT for wait=1 replicas failed: NoPerm: this user has no permissions to run the 'wait' command"]
stored: true; lock left: 0
read back: kept
== the master's only replica killed
bool(true)
bool(true)
warnings: ["session_write_close(): rsession: redis cluster NODE,NODE,NODE,NODE,NODE,NODE: session written, but only 0 of 1 replicas confirmed it within 300ms (wait=1); it may be lost if this server fails now"]
read back: alone
