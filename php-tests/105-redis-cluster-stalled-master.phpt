--TEST--
Redis Cluster: a master SIGSTOPped (stalled, and the first seed; cluster-node-timeout 15 s, so no failover meanwhile) fails its own sessions within the read timeout each, naming the node; sessions on the other masters keep working at full speed (no stalled node's timeout paid when the pool replaces its cluster connection) and keep no lock (a script a master lacks is no longer loaded on every master, the stalled one too); a fresh process pays one connect timeout at most; after SIGCONT the stalled master's sessions work again within 3 s
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
rsession.locking=1
rsession.lock_wait_timeout=2
--FILE--
<?php
require __DIR__ . '/inc/cluster.php';
// transports: tcp (a cluster of the test's own)
rs_capture_warnings();
$c = new RsCluster(3, 1, null, ['--cluster-node-timeout', '15000']);
try {
    $path = 'redis+cluster://' . $c->seeds() . '?timeout=0.5&read_timeout=0.5';
    $stalled = $c->ports[0];
    // One session on each master.
    $ids = [];
    for ($i = 0; count($ids) < 3; $i++) {
        $id = "stall$i-" . bin2hex(random_bytes(3));
        $ids[$c->masterOf("PHPREDIS_CLUSTER_SESSION:$id")] ??= $id;
    }
    ksort($ids);
    foreach ($ids as $m => $id) {
        rs_start($path, $id);
        $_SESSION['n'] = 0;
        session_write_close();
    }
    echo "the stalled node is a master: ", var_export(isset($ids[$stalled]), true), "\n";
    rs_signal($c->process($stalled), 'STOP');

    $slowest = 0.0;
    $stalledTimes = [];
    $ok = 0;
    for ($round = 0; $round < 5; $round++) {
        foreach ($ids as $m => $id) {
            $t = microtime(true);
            $started = rs_start($path, $id);
            if ($started) {
                // Every other request leaves the session as it was: its lock is released by
                // another script (touch+unlock), which no master has run yet.
                if ($round % 2 === 0) { $_SESSION['n']++; }
                $started = session_write_close();
            }
            $took = microtime(true) - $t;
            if ($m === $stalled) {
                $stalledTimes[] = $took;
            } else {
                $slowest = max($slowest, $took);
                $ok += $started ? 1 : 0;
            }
        }
    }
    $w = rs_warnings();
    echo "requests on the other masters that succeeded: $ok of 10\n";
    echo "the slowest of them under 0.25 s: ", var_export($slowest < 0.25, true), "\n";
    echo "the stalled master's sessions failed within 0.7 s each: ", var_export(max($stalledTimes) < 0.7, true), "\n";
    $w = array_values(array_unique(array_map(fn ($m) => preg_replace(['/redis cluster [0-9.:,]+:/', "/127\\.0\\.0\\.1:$stalled/", '/[0-9.]+s more/', '/\(path: [^)]*\)/'], ['redis cluster SEEDS:', 'STALLED', 'Ns more', '(path: PATH)'], $m), $w)));
    echo implode("\n", $w), "\n";
    foreach ($ids as $m => $id) {
        if ($m === $stalled) { continue; }
        $key = "PHPREDIS_CLUSTER_SESSION:$id";
        echo "a session on another master: count ", preg_replace('/^.*n\|i:(\d+);.*$/', '$1', $c->node($m)->cmd('GET', $key)), ", lock left: ", $c->node($m)->cmd('EXISTS', "{{$key}}_LOCK"), "\n";
    }

    // A process of its own: its pool starts with the stalled first seed.
    $other = $ids[array_values(array_diff(array_keys($ids), [$stalled]))[0]];
    [$proc, $pipe] = rs_child('ini_set("session.save_path", ' . var_export($path, true) . '); $t = microtime(true); session_id(' . var_export($other, true) . '); '
        . '$ok = session_start(); session_write_close(); $first = microtime(true) - $t; $t = microtime(true); session_id(' . var_export($other, true) . '); '
        . '$ok = $ok && session_start(); session_write_close(); fwrite(STDERR, json_encode([$ok, $first, microtime(true) - $t]) . "\n");',
        ['rsession.locking' => '1']);
    [$said] = rs_child_end($proc, $pipe);
    [$childOk, $first, $second] = json_decode($said, true) ?? [false, 99, 99];
    echo "a new process: works, its first request within 1 s, its second at full speed: ",
        json_encode([$childOk, $first < 1.0, $second < 0.25]), "\n";

    rs_signal($c->process($stalled), 'CONT');
    $t = microtime(true);
    $back = false;
    while (!$back && microtime(true) - $t < 6) {
        $back = rs_start($path, $ids[$stalled]) && session_write_close();
        if (!$back) { usleep(100000); }
    }
    rs_warnings();
    echo "the resumed master's session works again within 3 s: ", var_export($back && microtime(true) - $t < 3, true), "\n";
} finally {
    $c->stop();
}
?>
--EXPECT--
the stalled node is a master: true
requests on the other masters that succeeded: 10 of 10
the slowest of them under 0.25 s: true
the stalled master's sessions failed within 0.7 s each: true
session_start(): rsession: redis cluster SEEDS: lock+GET failed: STALLED: no reply within 0.5s (timeout)
session_start(): Failed to read session data: rsession (path: PATH)
a session on another master: count 3, lock left: 0
a session on another master: count 3, lock left: 0
a new process: works, its first request within 1 s, its second at full speed: [true,true,true]
the resumed master's session works again within 3 s: true
