--TEST--
Redis Cluster: killing a replica does not disturb any request; a master restarted on the same port (its replica gone, so no failover) drops the pooled connection to it, and the first request after it is back succeeds (a fresh node: the script cache is empty too), as do the sessions on the other masters meanwhile
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
    $path = 'redis+cluster://' . $c->seeds() . '?timeout=0.5&read_timeout=0.5';
    $ids = [];
    for ($i = 0; count($ids) < 3; $i++) {
        $id = "restart$i-" . bin2hex(random_bytes(3));
        $ids[$c->masterOf("PHPREDIS_CLUSTER_SESSION:$id")] ??= $id;
    }
    $cycle = function () use ($path, $ids): int {
        $failed = 0;
        foreach ($ids as $id) {
            $ok = rs_start($path, $id);
            $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
            $ok = session_write_close() && $ok;
            $failed += $ok ? 0 : 1;
        }
        return $failed;
    };
    echo "failed before: ", $cycle(), "\n";

    $master = array_key_first($ids);
    $replica = null;
    foreach ($c->ports as $port) {
        if (!in_array($port, $c->masters(), true) && str_contains((string) $c->node($port)->cmd('INFO', 'replication'), "master_port:$master\r")) { $replica = $port; }
    }
    $c->kill($replica);
    $failed = 0;
    for ($i = 0; $i < 5; $i++) { $failed += $cycle(); }
    echo "failed after a replica was killed: $failed of 15\n";

    $c->kill($master);
    $c->start($master);
    for ($i = 0; $i < 100 && !str_contains((string) $c->node($master)->cmd('CLUSTER', 'INFO'), 'cluster_state:ok'); $i++) { usleep(50000); }
    echo "the restarted node is a master again: ", var_export(in_array($master, $c->masters(), true), true), "\n";
    echo "failed after the master's restart: ", $cycle(), "\n";
    echo "warnings: ", json_encode(rs_warnings()), "\n";
    echo "failed then: ", $cycle(), "\n";
} finally {
    $c->stop();
}
?>
--EXPECT--
failed before: 0
failed after a replica was killed: 0 of 15
the restarted node is a master again: true
failed after the master's restart: 0
warnings: []
failed then: 0
