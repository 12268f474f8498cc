--TEST--
Redis Cluster (redis+cluster:// and phpredis's seed[]= form): sessions spread over every master under phpredis cluster's prefix; the lock lives in its data's hash slot, so a locked request is still 2 round trips; 8 x 25 locked increments of one session end at 200; phpredis's rediscluster handler and rsession read each other's 200 sessions; a cluster that is down fails fast, naming the mode, the node and the cause
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
require __DIR__ . '/inc/peers.php';
// transports: tcp (a cluster of the test's own)
rs_capture_warnings();
$c = new RsCluster(3, 1);
try {
    $path = 'redis+cluster://' . $c->seeds();

    echo "== one locked session\n";
    var_dump(rs_start($path));
    $id = session_id();
    $key = "PHPREDIS_CLUSTER_SESSION:$id";
    $lock = "{{$key}}_LOCK";
    $m = $c->node($c->masterOf($key));
    echo "lock held on the data's master: ", $m->cmd('EXISTS', $lock), "\n";
    echo "same hash slot: ", var_export($m->cmd('CLUSTER', 'KEYSLOT', $key) === $m->cmd('CLUSTER', 'KEYSLOT', $lock), true), "\n";
    $_SESSION['user'] = 'ann';
    session_write_close();
    echo "stored: ", $m->cmd('GET', $key), "; lock left: ", $m->cmd('EXISTS', $lock), "\n";
    rs_start($path, $id);
    echo "read back: ", $_SESSION['user'], "\n";
    session_write_close();
    echo "round trips (sendto) per locked request: ", round(rs_sendto_per_request($path, $id, 100)), "\n";

    echo "== sessions spread over the masters\n";
    for ($i = 0; $i < 60; $i++) {
        rs_start($path, "spread$i");
        $_SESSION['i'] = $i;
        session_write_close();
    }
    $held = array_map(fn ($p) => (int) $c->node($p)->cmd('DBSIZE'), $c->masters());
    echo count($held), " masters, each holding sessions: ", var_export(min($held) > 0, true), "\n";

    echo "== 8 processes x 25 locked increments of one session\n";
    $shared = 'counter' . bin2hex(random_bytes(4));
    $children = [];
    for ($n = 0; $n < 8; $n++) {
        $children[] = rs_child('$f = 0; for ($i = 0; $i < 25; $i++) { session_id(' . var_export($shared, true) . '); if (!session_start()) { $f++; continue; } '
            . '$_SESSION["n"] = ($_SESSION["n"] ?? 0) + 1; if (!session_write_close()) { $f++; } } fwrite(STDERR, "failures $f\n");',
            ['session.save_path' => $path, 'rsession.locking' => '1']);
    }
    $failures = 0;
    foreach ($children as [$proc, $pipe]) {
        [$said] = rs_child_end($proc, $pipe);
        $failures += (int) substr($said, strlen('failures '));
    }
    rs_start($path, $shared);
    echo "count: ", $_SESSION['n'], ", failed requests: $failures\n";
    session_write_close();

    echo "== phpredis rediscluster writes 200, rsession reads them\n";
    $seeds = implode('&', array_map(fn ($p) => "seed[]=127.0.0.1:$p", $c->ports));
    $tag = bin2hex(random_bytes(3));
    echo peer_run('rediscluster', ['session.save_path' => $seeds], 'for ($i = 0; $i < 200; $i++) { session_id("pr' . $tag . '$i"); session_start(); $_SESSION["i"] = $i; session_write_close(); } echo "written\n";'), "\n";
    $read = 0;
    foreach ([$path, $seeds] as $form) {
        $read = 0;
        for ($i = 0; $i < 200; $i++) {
            rs_start($form, "pr$tag$i");
            $read += ($_SESSION['i'] ?? null) === $i ? 1 : 0;
            session_write_close();
        }
        echo "rsession read: $read of 200\n";
    }

    echo "== rsession writes 200, phpredis rediscluster reads them\n";
    for ($i = 0; $i < 200; $i++) {
        rs_start($seeds, "rs$tag$i");
        $_SESSION['i'] = $i;
        session_write_close();
    }
    echo peer_run('rediscluster', ['session.save_path' => $seeds], '$n = 0; for ($i = 0; $i < 200; $i++) { session_id("rs' . $tag . '$i"); session_start(); $n += ($_SESSION["i"] ?? null) === $i ? 1 : 0; session_write_close(); } echo "phpredis read $n of 200\n";'), "\n";
    echo "warnings: ", json_encode(rs_warnings()), "\n";

    echo "== the master of a session stalls (SIGSTOP)\n";
    $stalled = $c->masterOf("PHPREDIS_CLUSTER_SESSION:$id");
    rs_signal($c->process($stalled), 'STOP');
    $t = microtime(true);
    var_dump(rs_start("$path?read_timeout=0.5&timeout=0.5", $id));
    printf("answered within 2 s: %s\n", var_export(microtime(true) - $t < 2.0, true));
    echo str_replace((string) $stalled, 'STALLED', preg_replace('/redis cluster [0-9.:,]*[0-9]/', 'redis cluster SEEDS', rs_warnings()[0] ?? 'NO WARNING')), "\n";
    rs_signal($c->process($stalled), 'CONT');
    var_dump(rs_start($path, $id));
    echo "after it resumed: ", $_SESSION['user'] ?? 'EMPTY', "\n";
    session_write_close();
    echo "warnings: ", json_encode(rs_warnings()), "\n";
} finally {
    $c->stop();
}

echo "== a cluster that requires a password\n";
$c = new RsCluster(3, 0, 'cluster-pw');
try {
    foreach (['seed[]=127.0.0.1:' . $c->ports[0] . '&auth=cluster-pw', 'redis+cluster://:cluster-pw@' . $c->seeds()] as $path) {
        var_dump(rs_start($path));
        $_SESSION['x'] = 1;
        session_write_close();
        echo "stored: ", $c->onKey('PHPREDIS_CLUSTER_SESSION:' . session_id(), 'GET', 'PHPREDIS_CLUSTER_SESSION:' . session_id()), "\n";
    }
    var_dump(rs_start('seed[]=127.0.0.1:' . $c->ports[0] . '&auth=wrong'));
    echo preg_replace('/127\.0\.0\.1:\d+/', 'NODE', rs_warnings()[0] ?? 'NO WARNING'), "\n";
} finally {
    $c->stop();
}

echo "== the cluster is down\n";
$down = rs_down_port();
$t = microtime(true);
var_dump(rs_start("redis+cluster://127.0.0.1:$down"));
printf("answered in under 1 s: %s\n", var_export(microtime(true) - $t < 1.0, true));
echo str_replace((string) $down, 'DOWN', rs_warnings()[0] ?? 'NO WARNING'), "\n";
?>
--EXPECTF--
== one locked session
bool(true)
lock held on the data's master: 1
same hash slot: true
stored: user|s:3:"ann";; lock left: 0
read back: ann
round trips (sendto) per locked request: 2
== sessions spread over the masters
3 masters, each holding sessions: true
== 8 processes x 25 locked increments of one session
count: 200, failed requests: 0
== phpredis rediscluster writes 200, rsession reads them
written
rsession read: 200 of 200
rsession read: 200 of 200
== rsession writes 200, phpredis rediscluster reads them
phpredis read 200 of 200
warnings: []
== the master of a session stalls (SIGSTOP)
bool(false)
answered within 2 s: true
session_start(): rsession: redis cluster SEEDS: lock+GET failed: 127.0.0.1:STALLED: no reply within 0.5s (timeout)
bool(true)
after it resumed: ann
warnings: []
== a cluster that requires a password
bool(true)
stored: x|i:1;
bool(true)
stored: x|i:1;
bool(false)
session_start(): rsession: redis cluster NODE: cannot connect: Failed to connect to each cluster node (NODE: "WRONGPASS": invalid username-password pair or user is disabled.)
== the cluster is down
bool(false)
answered in under 1 s: true
session_start(): rsession: redis cluster 127.0.0.1:DOWN: %s
