<?php
// One benchmark run: full session cycles (session_id, session_start, change or not,
// session_write_close) for the handler configured by -d options. Prints one JSON line.
//   php -d session.save_handler=... cycle.php <changed|unchanged> <payload bytes> <cycles> <ids> <tag> [<store> <host:port>]
// With a store (redis or memcached), also counts the round trips the server served per cycle.
[, $workload, $payload, $cycles, $nids, $tag, $store, $addr] = $argv + [null, 'changed', 1024, 1000, 100, 'x', '', ''];
$payload = (int) $payload;
$cycles = (int) $cycles;
$nids = (int) $nids;
ini_set('session.use_cookies', '0');
ini_set('session.use_only_cookies', '0');
ini_set('session.cache_limiter', '');
ini_set('session.lazy_write', '1');
ini_set('session.use_strict_mode', '0');
// Keep PHP's own probabilistic gc out of the measurement (the files handler would scan).
ini_set('session.gc_probability', '0');

$ids = [];
for ($i = 0; $i < $nids; $i++) {
    $ids[] = sprintf('bench%s%06d', preg_replace('/[^a-zA-Z0-9]/', '', $tag), $i);
}
// Printable, incompressible-looking data of the payload size.
$data = substr(base64_encode(random_bytes($payload)), 0, $payload);

// Warm up: create every session with its payload, and open the connections.
foreach ($ids as $id) {
    session_id($id);
    if (!session_start()) {
        fwrite(STDERR, "cycle.php: session_start() failed for $tag\n");
        exit(1);
    }
    $_SESSION['p'] = $data;
    $_SESSION['n'] = 0;
    session_write_close();
}

/** Round trips served so far: Redis counts read events on client sockets (a pipelined batch is
 * one); memcached only counts commands (a multi-get counts its keys). */
function served(string $store, string $addr): int {
    if ($store === '') {
        return 0;
    }
    $s = fsockopen("tcp://$addr", -1, $errno, $errstr, 2.0);
    fwrite($s, $store === 'redis' ? "INFO stats\r\n" : "stats\r\nquit\r\n");
    $text = '';
    while (!feof($s) && !str_contains($text, $store === 'redis' ? "\r\n\r\n" : "END\r\n")) {
        $text .= fread($s, 65536);
        if ($store === 'redis' && preg_match('/total_reads_processed:\d+\r\n/', $text)) { break; }
    }
    fclose($s);
    if ($store === 'redis') {
        preg_match('/total_reads_processed:(\d+)/', $text, $m);
        return (int) $m[1] - 1; // this probe's own command
    }
    $n = 0;
    foreach (['cmd_get', 'cmd_set', 'cmd_touch', 'delete_hits', 'delete_misses', 'incr_hits', 'incr_misses', 'decr_hits', 'decr_misses'] as $k) {
        preg_match("/STAT $k (\d+)/", $text, $m);
        $n += (int) ($m[1] ?? 0);
    }
    return $n;
}

$lat = [];
$changed = $workload === 'changed';
$served = served($store, $addr);
$t0 = hrtime(true);
for ($i = 0; $i < $cycles; $i++) {
    $c = hrtime(true);
    session_id($ids[$i % $nids]);
    session_start();
    if ($changed) {
        $_SESSION['n']++;
    }
    session_write_close();
    $lat[] = hrtime(true) - $c;
}
$seconds = (hrtime(true) - $t0) / 1e9;
$rt = $store === '' ? null : round((served($store, $addr) - $served) / $cycles, 2);
sort($lat);
$pct = fn (float $p) => $lat[min(count($lat) - 1, (int) floor($p * count($lat)))] / 1000;
echo json_encode(['cycles' => $cycles, 'seconds' => $seconds, 'p50_us' => $pct(0.50), 'p99_us' => $pct(0.99), 'rt' => $rt]), "\n";
