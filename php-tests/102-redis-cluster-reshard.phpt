--TEST--
Redis Cluster resharding: redis-cli --cluster reshard moves 1000 slots between masters while two processes run locked session cycles on sessions in those slots, with wait=1 (one replica per master; each write and its WAIT are one batch, which an ASK redirect moves whole): 0 requests fail and no increment is lost (MOVED, ASK and TRYAGAIN are followed, the lock travels with its data's slot)
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
    $path = 'redis+cluster://' . $c->seeds() . '?wait=1';
    $any = $c->node($c->ports[0]);
    $ids = static function (string $port) use ($any): string {
        preg_match('/^(\S+) \S+:' . $port . '@/m', (string) $any->cmd('CLUSTER', 'NODES'), $m);
        return $m[1];
    };
    [$from, $to] = [$c->ports[0], $c->ports[1]];
    // Sessions in the slots that will move (the first 1000 of the source master).
    $moving = [];
    for ($i = 0; count($moving) < 40 && $i < 100000; $i++) {
        $slot = (int) $any->cmd('CLUSTER', 'KEYSLOT', "PHPREDIS_CLUSTER_SESSION:r$i");
        if ($c->masterOf("PHPREDIS_CLUSTER_SESSION:r$i") === $from && $slot < 1000) { $moving[] = "r$i"; }
    }
    echo "sessions in the moving slots: ", count($moving), "\n";
    $list = var_export($moving, true);
    // (The save_path goes through ini_set: a -d value cannot hold its '='.)
    $children = [];
    for ($n = 0; $n < 2; $n++) {
        $children[] = rs_child('ini_set("session.save_path", ' . var_export($path, true) . '); $ids = ' . $list . '; $f = 0; $done = []; $end = microtime(true) + 60; '
            . 'while (microtime(true) < $end && !file_exists(' . var_export($c->dir . '/stop', true) . ')) { foreach ($ids as $id) { '
            . 'session_id($id); if (!session_start()) { $f++; continue; } $_SESSION["n"] = ($_SESSION["n"] ?? 0) + 1; '
            . 'if (session_write_close()) { $done[$id] = ($done[$id] ?? 0) + 1; } else { $f++; } } } '
            . 'fwrite(STDERR, json_encode(["failed" => $f, "done" => $done]) . "\n");',
            ['rsession.locking' => '1', 'display_errors' => 'stderr']);
    }
    usleep(300000);
    $out = [];
    exec("redis-cli --cluster reshard 127.0.0.1:$from --cluster-from " . $ids((string) $from) . ' --cluster-to ' . $ids((string) $to)
        . ' --cluster-slots 1000 --cluster-yes 2>&1', $out, $exit);
    echo "reshard exit code: $exit\n";
    usleep(300000);
    touch($c->dir . '/stop');
    $failed = 0;
    $done = [];
    foreach ($children as [$proc, $pipe]) {
        [$said] = rs_child_end($proc, $pipe);
        $r = json_decode(substr($said, strrpos("\n" . $said, "\n")), true);
        if (!is_array($r)) { echo "child said: $said\n"; continue; }
        $failed += $r['failed'];
        foreach ($r['done'] as $id => $k) { $done[$id] = ($done[$id] ?? 0) + $k; }
    }
    echo "the moved sessions are now on the other master: ", var_export($c->masterOf("PHPREDIS_CLUSTER_SESSION:$moving[0]") === $to, true), "\n";
    echo "failed requests: $failed\n";
    $lost = 0;
    foreach ($moving as $id) {
        rs_start($path, $id);
        $lost += ($done[$id] ?? 0) - ($_SESSION['n'] ?? 0);
        session_write_close();
    }
    echo "increments done: ", var_export(array_sum($done) > 0, true), ", lost: $lost\n";
    echo "warnings: ", json_encode(rs_warnings()), "\n";
} finally {
    $c->stop();
}
?>
--EXPECT--
sessions in the moving slots: 40
reshard exit code: 0
the moved sessions are now on the other master: true
failed requests: 0
increments done: true, lost: 0
warnings: []
