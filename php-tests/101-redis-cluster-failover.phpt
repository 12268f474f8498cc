--TEST--
Redis Cluster failover: with wait=1 (2 replicas per master), SIGKILL the master of a session while a request comes every 100 ms; a replica takes over, requests succeed again, acknowledged by the remaining replica, within 10 s in the same process (no restart), and no write that was acknowledged is lost: 50 sessions written before the kill and every acknowledged increment are read back
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
$c = new RsCluster(3, 2);
try {
    $path = 'redis+cluster://' . $c->seeds() . '?wait=1&timeout=0.5&read_timeout=0.5';
    // The session the requests change, and the master that holds it: the one to kill.
    $id = 'failover' . bin2hex(random_bytes(4));
    $victim = $c->masterOf("PHPREDIS_CLUSTER_SESSION:$id");

    $before = [];
    for ($i = 0; $i < 50; $i++) {
        rs_start($path, "$id-$i");
        $_SESSION['i'] = $i;
        if (session_write_close() && rs_warnings() === []) { $before[] = $i; }
    }
    echo "written and acknowledged before the kill: ", count($before), "\n";

    $acked = 0;          // the highest count whose write was acknowledged (by all replicas asked)
    $killed = null;
    $firstFailure = $recovered = null;
    $failed = 0;
    $end = microtime(true) + 25;
    while (microtime(true) < $end) {
        $t = microtime(true);
        if ($killed === null && $t > $end - 24) {
            $c->kill($victim);
            $killed = $t;
        }
        $ok = rs_start($path, $id);
        if ($ok) {
            $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
            $ok = session_write_close() && rs_warnings() === [];
            if ($ok) { $acked = $_SESSION['n']; }
        }
        rs_warnings();
        if (!$ok) {
            $failed++;
            $firstFailure ??= $t;
        } elseif ($killed !== null && $recovered === null && $firstFailure !== null) {
            $recovered = microtime(true);
        }
        if ($recovered !== null && microtime(true) - $recovered > 2) { break; }
        usleep(100000);
    }
    $window = $recovered === null ? null : $recovered - $killed;
    // For the record (make test prints it): how long requests failed.
    file_put_contents(rs_env('RSESSION_RUN', dirname(__DIR__) . '/.run') . '/failover-windows.log',
        sprintf("cluster: %s ms, %d requests failed\n", $window === null ? 'never' : round($window * 1000), $failed), FILE_APPEND);
    echo "a replica took over: ", var_export(!in_array($victim, $c->masters(), true) && count($c->masters()) === 3, true), "\n";
    echo "requests failed for a while, then succeeded again within 10 s: ", var_export($window !== null && $window < 10, true), "\n";

    rs_start($path, $id);
    echo "count read back is at least the last acknowledged one: ", var_export(($_SESSION['n'] ?? -1) >= $acked && $acked > 0, true), "\n";
    session_write_close();
    $read = 0;
    foreach ($before as $i) {
        rs_start($path, "$id-$i");
        $read += ($_SESSION['i'] ?? null) === $i ? 1 : 0;
        session_write_close();
    }
    echo "sessions written before the kill, read back: $read\n";
    echo "warnings now: ", json_encode(rs_warnings()), "\n";
} finally {
    $c->stop();
}
?>
--EXPECT--
written and acknowledged before the kill: 50
a replica took over: true
requests failed for a while, then succeeded again within 10 s: true
count read back is at least the last acknowledged one: true
sessions written before the kill, read back: 50
warnings now: []
