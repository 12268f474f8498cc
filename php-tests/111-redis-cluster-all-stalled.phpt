--TEST--
Redis Cluster with every node SIGSTOPped (6 nodes, timeout=0.5): each request fails, the first within 6 connect timeouts (the seeds are tried in turn), and the requests after it fail at once, skipping the nodes that just stalled, instead of waiting for all six again each time; after SIGCONT sessions work again within 3 s
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
$c = new RsCluster(3, 1, null, ['--cluster-node-timeout', '15000']);
try {
    $path = 'redis+cluster://' . $c->seeds() . '?timeout=0.5&read_timeout=0.5';
    $id = 'allstall' . bin2hex(random_bytes(4));
    rs_start($path, $id);
    $_SESSION['n'] = 1;
    session_write_close();
    foreach ($c->ports as $port) { rs_signal($c->process($port), 'STOP'); }
    $times = [];
    $failed = 0;
    for ($i = 0; $i < 6; $i++) {
        $t = microtime(true);
        $failed += rs_start($path, $id) ? 0 : 1;
        $times[] = round(microtime(true) - $t, 2);
    }
    rs_warnings();
    echo "failed: $failed of 6\n";
    echo "none took longer than 6 connect timeouts and some slack: ", var_export(max($times) < 4.0, true), "\n";
    echo "the last 4 together under 1.5 s: ", var_export(array_sum(array_slice($times, 2)) < 1.5, true), "\n";
    if (array_sum(array_slice($times, 2)) >= 1.5) { echo json_encode($times), "\n"; }
    foreach ($c->ports as $port) { rs_signal($c->process($port), 'CONT'); }
    $t = microtime(true);
    $back = false;
    while (!$back && microtime(true) - $t < 6) {
        $back = rs_start($path, $id);
        if (!$back) { usleep(100000); }
    }
    echo "works again within 3 s: ", var_export($back && microtime(true) - $t < 3, true), ", read: ", $_SESSION['n'] ?? '(nothing)', "\n";
    session_write_close();
    rs_warnings();
} finally {
    $c->stop();
}
?>
--EXPECT--
failed: 6 of 6
none took longer than 6 connect timeouts and some slack: true
the last 4 together under 1.5 s: true
works again within 3 s: true, read: 1
