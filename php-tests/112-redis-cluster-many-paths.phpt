--TEST--
Redis Cluster: 300 save_paths naming the same 6 nodes in different orders (each a pool of its own, each cluster connection reaching every node) in one process: every locked request succeeds, and the process's open file descriptors stay bounded (cached stores are capped), not one connection per node per path
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
$c = new RsCluster(3, 1);
try {
    $nodes = array_map(fn ($p) => "127.0.0.1:$p", $c->ports);
    $fds = fn () => count(scandir('/proc/self/fd'));
    $before = $fds();
    $failed = 0;
    for ($i = 0; $i < 300; $i++) {
        // The i-th ordering of the nodes.
        $left = $nodes;
        $order = [];
        for ($k = $i; $left; $k = intdiv($k, count($left) + 1)) {
            $order[] = $left[$k % count($left)];
            array_splice($left, $k % count($left), 1);
        }
        $ok = rs_start('redis+cluster://' . implode(',', $order), 'paths' . ($i % 10) . 'x');
        $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
        $failed += session_write_close() && $ok ? 0 : 1;
    }
    $grown = $fds() - $before;
    echo "failed: $failed of 300\n";
    echo "file descriptors opened and kept: under 200: ", var_export($grown < 200, true), "\n";
    if ($grown >= 200) { echo "grown by $grown\n"; }
    $total = 0;
    for ($i = 0; $i < 10; $i++) {
        rs_start('redis+cluster://' . $c->seeds(), "paths{$i}x");
        $total += $_SESSION['n'];
        session_write_close();
    }
    echo "increments counted: $total\n";
    echo "warnings: ", json_encode(rs_warnings()), "\n";
} finally {
    $c->stop();
}
?>
--EXPECT--
failed: 0 of 300
file descriptors opened and kept: under 200: true
increments counted: 300
warnings: []
