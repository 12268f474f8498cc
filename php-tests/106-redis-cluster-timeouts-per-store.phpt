--TEST--
Redis Cluster: two save_paths (or ini_set timeouts between requests) on the same seeds share one pool, and so one cluster connection, made by the first with timeout=3; a stalled master's sessions still fail within the timeouts of the store that asks (0.3 s), not the first store's 3 s, also where the node must be connected anew
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
rsession.locking=1
--FILE--
<?php
require __DIR__ . '/inc/cluster.php';
// transports: tcp (a cluster of the test's own)
rs_capture_warnings();
$c = new RsCluster(3, 0, null, ['--cluster-node-timeout', '15000']);
try {
    $slow = 'redis+cluster://' . $c->seeds() . '?timeout=3&read_timeout=3';
    $fast = 'redis+cluster://' . $c->seeds() . '?timeout=0.3&read_timeout=0.3';
    $plain = 'redis+cluster://' . $c->seeds();
    $id = 'timeouts' . bin2hex(random_bytes(4));
    $stalled = $c->masterOf("PHPREDIS_CLUSTER_SESSION:$id");
    for ($i = 0; $c->masterOf('PHPREDIS_CLUSTER_SESSION:' . ($elsewhere = "elsewhere$i")) === $stalled; $i++) {}
    // Every store's first request, before the stall: the slow one makes the pool's connection.
    foreach ([$slow, $fast, $plain] as $path) {
        rs_start($path, $id);
        $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
        session_write_close();
    }
    rs_signal($c->process($stalled), 'STOP');
    $times = [];
    $try = function (string $path) use ($id, &$times) {
        $t = microtime(true);
        $ok = rs_start($path, $id);
        if ($ok) { session_write_close(); }
        $times[] = round(microtime(true) - $t, 2);
        return $ok;
    };
    echo "save_path with timeout=0.3, 3 requests: ", json_encode([$try($fast), $try($fast), $try($fast)]), "\n";
    // The slow store's request on a healthy master makes the pool's connection anew (without
    // the stalled node, which new connections leave out for a while); the fast store's next
    // request must connect to the stalled node through it.
    rs_start($slow, $elsewhere);
    echo "the timeout=3 store, on another master: ", var_export(session_write_close(), true), "\n";
    echo "then timeout=0.3 on the stalled master: ", json_encode([$try($fast)]), "\n";
    ini_set('rsession.connect_timeout', '0.3');
    ini_set('rsession.read_timeout', '0.3');
    echo "rsession.*_timeout=0.3 by ini_set, 3 requests: ", json_encode([$try($plain), $try($plain), $try($plain)]), "\n";
    // 0.3 s and some slack for a busy machine, far from the 3 s of the store that made the
    // connection.
    echo "each failed within 1 s: ", var_export(max($times) < 1.0, true), "\n";
    if (max($times) >= 1.0) { echo "took: ", json_encode($times), "\n"; }
    rs_warnings();
    rs_signal($c->process($stalled), 'CONT');
} finally {
    $c->stop();
}
?>
--EXPECT--
save_path with timeout=0.3, 3 requests: [false,false,false]
the timeout=3 store, on another master: true
then timeout=0.3 on the stalled master: [false]
rsession.*_timeout=0.3 by ini_set, 3 requests: [false,false,false]
each failed within 1 s: true
