<?php
// The benchmark matrix: every session handler, locking off and on, data changed or not, two
// payload sizes; rounds interleaved in random order so machine noise hits everyone alike.
// Prints markdown tables; bench/run.sh puts them into bench/results.md after the pinned headline.
//   env: BENCH_REDIS, BENCH_MEMCACHED (host:port), BENCH_FILES (dir), BENCH_SO (rsession.so),
//        BENCH_ROUNDS (3), BENCH_CYCLES (2000), BENCH_QUICK=1 (a smoke run: tiny, one round)

$redis = getenv('BENCH_REDIS');
$mc = getenv('BENCH_MEMCACHED');
$files = getenv('BENCH_FILES');
$so = getenv('BENCH_SO');
$quick = getenv('BENCH_QUICK') === '1';
$rounds = $quick ? 1 : (int) (getenv('BENCH_ROUNDS') ?: 3);
$cycles = $quick ? 50 : (int) (getenv('BENCH_CYCLES') ?: 2000);
$ids = 100;

$load = ['-n', '-d', 'extension=igbinary.so', '-d', 'extension=msgpack.so', '-d', 'extension=redis.so',
    '-d', 'extension=memcached.so', '-d', 'extension=memcache.so', '-d', "extension=$so"];

// name => [store for round-trip counting, its address, ini, the ini switch for locking (null: the
// handler has no switch), locking values [off, on]]
$handlers = [
    'rsession/redis' => ['redis', $redis, ['session.save_handler' => 'rsession', 'session.save_path' => "redis://$redis"], 'rsession.locking', ['0', '1']],
    'phpredis' => ['redis', $redis, ['session.save_handler' => 'redis', 'session.save_path' => "tcp://$redis"], 'redis.session.locking_enabled', ['0', '1']],
    'phpredis persistent' => ['redis', $redis, ['session.save_handler' => 'redis', 'session.save_path' => "tcp://$redis?persistent=1"], 'redis.session.locking_enabled', ['0', '1']],
    'rsession/memcached' => ['memcached', $mc, ['session.save_handler' => 'rsession', 'session.save_path' => "memcached://$mc"], 'rsession.locking', ['0', '1']],
    'php-memcached' => ['memcached', $mc, ['session.save_handler' => 'memcached', 'session.save_path' => $mc], 'memcached.sess_locking', ['0', '1']],
    // pecl memcache and PHP's files handler have no locking switch: files always locks (flock).
    'pecl memcache' => ['memcached', $mc, ['session.save_handler' => 'memcache', 'session.save_path' => "tcp://$mc"], null, [null, null]],
    'files' => ['', '', ['session.save_handler' => 'files', 'session.save_path' => $files], null, [null, null]],
];
$workloads = ['changed', 'unchanged'];
$payloads = $quick ? [1024] : [1024, 65536];
$modes = ['off' => 0, 'on' => 1];

/** One run of cycle.php; returns its JSON result. */
function run(array $load, array $ini, array $args): array {
    $cmd = array_merge([PHP_BINARY], $load);
    foreach ($ini as $k => $v) {
        // Quoted: a save_path like tcp://h:p?persistent=1 holds an '=' the INI parser would cut at.
        array_push($cmd, '-d', "$k=\"$v\"");
    }
    $cmd = array_merge($cmd, [__DIR__ . '/cycle.php'], array_map('strval', $args));
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    $code = proc_close($p);
    $result = json_decode(trim($out), true);
    if ($code !== 0 || !is_array($result)) {
        fwrite(STDERR, "bench: run failed ($code): " . implode(' ', $args) . "\n$err$out\n");
        exit(1);
    }
    return $result;
}

function median(array $xs): float {
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
}

// The floor: one client's raw round trips per second against each store (a GET of a small key).
function floor_rate(string $addr, string $request, string $end, int $n): float {
    $s = stream_socket_client("tcp://$addr", $errno, $errstr, 2);
    stream_set_write_buffer($s, 0);
    $t = hrtime(true);
    for ($i = 0; $i < $n; $i++) {
        fwrite($s, $request);
        $reply = '';
        while (!str_ends_with($reply, $end)) {
            $reply .= fread($s, 8192);
        }
    }
    return $n / ((hrtime(true) - $t) / 1e9);
}

$jobs = [];
foreach ($handlers as $name => $h) {
    foreach ($modes as $mode => $m) {
        foreach ($workloads as $w) {
            foreach ($payloads as $p) {
                $jobs[] = [$name, $mode, $w, $p];
            }
        }
    }
}
$results = [];
for ($r = 0; $r < $rounds; $r++) {
    shuffle($jobs);
    foreach ($jobs as [$name, $mode, $w, $p]) {
        [$store, $addr, $ini, $switch, $values] = $handlers[$name];
        if ($switch !== null) {
            $ini[$switch] = $values[$modes[$mode]];
        }
        $tag = preg_replace('/[^a-z0-9]/', '', $name) . $mode . $w . $p;
        $n = $p > 4096 ? max(20, intdiv($cycles, 4)) : $cycles;
        $results["$name|$mode|$w|$p"][] = run($load, $ini, [$w, $p, $n, $ids, $tag, $store, $addr]);
    }
    fwrite(STDERR, "bench: round " . ($r + 1) . "/$rounds done\n");
}

$n = $quick ? 200 : 20000;
$floor = ['redis' => floor_rate($redis, "*2\r\n\$3\r\nGET\r\n\$5\r\nfloor\r\n", "\r\n", $n),
          'memcached' => floor_rate($mc, "get floor\r\n", "END\r\n", $n)];
$redis_benchmark = trim((string) shell_exec("redis-benchmark -h " . escapeshellarg(explode(':', $redis)[0]) . " -p " . escapeshellarg(explode(':', $redis)[1]) . " -c 1 -n $n -t get -q 2>/dev/null"));

$summary = [];
foreach ($results as $key => $runs) {
    $summary[$key] = [
        'rate' => median(array_map(fn ($x) => $x['cycles'] / $x['seconds'], $runs)),
        'p50' => median(array_column($runs, 'p50_us')),
        'p99' => median(array_column($runs, 'p99_us')),
        'rt' => $runs[0]['rt'],
    ];
}
// rsession's counterpart for each handler, for the ratio column.
$ours = ['phpredis' => 'rsession/redis', 'phpredis persistent' => 'rsession/redis', 'php-memcached' => 'rsession/memcached',
    'pecl memcache' => 'rsession/memcached', 'files' => 'rsession/redis'];

$md = "## Per process, unpinned: session cycles per second (PHP CLI, one process per handler and workload; median of $rounds interleaved rounds)\n\n";
$md .= "A cycle is `session_id()`, `session_start()`, a change (or none), `session_write_close()`, over $ids session ids.\n";
$md .= "Round trips per cycle are counted by the servers: Redis `total_reads_processed` (a connection closed each request counts one more), memcached command counters (a multi-get counts its keys).\n";
$md .= "The floor is one client's raw round trips per second: Redis " . round($floor['redis']) . "/s, memcached " . round($floor['memcached']) . "/s"
    . ($redis_benchmark !== '' ? " (redis-benchmark, 1 client: " . preg_replace('/\s+/', ' ', $redis_benchmark) . ")" : '') . ".\n";
$md .= "\"Floor RTs\" is a cycle's time in floor round trips; \"rsession ÷\" is rsession's rate over that handler's, same store, same mode.\n\n";
foreach ($modes as $mode => $m) {
    foreach ($payloads as $p) {
        foreach ($workloads as $w) {
            $md .= "### locking $mode, data $w, " . ($p >= 1024 ? ($p / 1024) . ' KiB' : "$p B") . "\n\n";
            $md .= "| handler | cycles/s | p50 µs | p99 µs | round trips | floor RTs | rsession ÷ |\n|---|---:|---:|---:|---:|---:|---:|\n";
            foreach ($handlers as $name => $h) {
                $row = $summary["$name|$mode|$w|$p"];
                $store = $h[0];
                $floor_rts = $store === '' ? '' : sprintf('%.1f', $floor[$store] / $row['rate']);
                $ratio = isset($ours[$name]) ? sprintf('%.2f', $summary["{$ours[$name]}|$mode|$w|$p"]['rate'] / $row['rate']) : '';
                $lock = $h[3] === null ? ($name === 'files' ? ' (always locks)' : ' (no switch)') : '';
                $md .= sprintf("| %s%s | %d | %.0f | %.0f | %s | %s | %s |\n", $name, $lock, $row['rate'], $row['p50'], $row['p99'],
                    $row['rt'] === null ? '' : rtrim(rtrim(sprintf('%.2f', $row['rt']), '0'), '.'), $floor_rts, $ratio);
            }
            $md .= "\n";
        }
    }
}
echo $md;
