<?php
// The pinned benchmark, make bench's headline: ONE PHP process rotates through every session
// handler in short blocks, so all of them meet the same machine state; bench/run.sh pins this
// process and the servers to CPUs (a round trip between two vCPUs costs several times one on a
// single vCPU, so unpinned numbers jump between runs). Handlers switch by ini_set between blocks.
//   php pinned.php time    rounds of shuffled blocks; prints JSON: rates, server counts, floors
//   php pinned.php trace   one block per handler between "@@block <config> <cycles>" and "@@end"
//                          on stderr, run under strace; bench/pinned-report.php reads both
// env: BENCH_REDIS, BENCH_MEMCACHED (host:port), BENCH_REDIS_TLS (the same Redis's TLS port),
//      BENCH_REDIS_CA (the CA of its certificate), BENCH_REDIS_CLUSTER (host:port,host:port...:
//      a Redis Cluster's masters, optional), BENCH_ROUNDS (10), BENCH_BLOCK (cycles, 200),
//      BENCH_IDS (100), BENCH_FLOOR (round trips per floor sample, 5000), BENCH_PLACEMENT (a label)
// Any failure (a handler that cannot start a session, a warning, data that did not come back as
// written) ends the process with status 1 and a message naming the handler: never a fast number.

$redis = getenv('BENCH_REDIS');
$mc = getenv('BENCH_MEMCACHED');
$redis_tls = getenv('BENCH_REDIS_TLS');
$redis_ca = getenv('BENCH_REDIS_CA');
$mode = $argv[1] ?? 'time';
$rounds = (int) (getenv('BENCH_ROUNDS') ?: 10);
$block = (int) (getenv('BENCH_BLOCK') ?: 200);
$nids = (int) (getenv('BENCH_IDS') ?: 100);
$floor_n = (int) (getenv('BENCH_FLOOR') ?: 5000);

// name => [store, ini, the ini switch for locking (null: none, the handler always locks; false:
// none, the handler never locks)]
$handlers = [
    'rsession/redis' => ['redis', ['session.save_handler' => 'rsession', 'session.save_path' => "redis://$redis"], 'rsession.locking'],
    // The same server over TLS (its TLS port), the certificate verified: what TLS adds per cycle.
    'rsession/redis tls' => ['redis', ['session.save_handler' => 'rsession', 'session.save_path' => "rediss://$redis_tls?cafile=$redis_ca"], 'rsession.locking'],
    'phpredis' => ['redis', ['session.save_handler' => 'redis', 'session.save_path' => "tcp://$redis"], 'redis.session.locking_enabled'],
    'phpredis persistent' => ['redis', ['session.save_handler' => 'redis', 'session.save_path' => "tcp://$redis?persistent=1"], 'redis.session.locking_enabled'],
    'rsession/memcached' => ['memcached', ['session.save_handler' => 'rsession', 'session.save_path' => "memcached://$mc"], 'rsession.locking'],
    'php-memcached' => ['memcached', ['session.save_handler' => 'memcached', 'session.save_path' => $mc, 'memcached.sess_persistent' => '0'], 'memcached.sess_locking'],
    'php-memcached persistent' => ['memcached', ['session.save_handler' => 'memcached', 'session.save_path' => $mc, 'memcached.sess_persistent' => '1'], 'memcached.sess_locking'],
    // pecl memcache always locks (memcache.lock_timeout); it has no switch.
    'pecl memcache' => ['memcached', ['session.save_handler' => 'memcache', 'session.save_path' => "tcp://$mc"], null],
];
$cluster = getenv('BENCH_REDIS_CLUSTER');
if ($cluster) {
    $seeds = implode('&', array_map(fn ($node) => "seed[]=$node", explode(',', $cluster)));
    $handlers['rsession/redis cluster'] = ['redis cluster', ['session.save_handler' => 'rsession', 'session.save_path' => "redis+cluster://$cluster"], 'rsession.locking'];
    // phpredis's cluster handler has no locking.
    $handlers['phpredis cluster'] = ['redis cluster', ['session.save_handler' => 'rediscluster', 'session.save_path' => $seeds], false];
}

/** The configurations measured: "<handler>|on", "<handler>|off", or "<handler>|always". */
function configs(array $handlers): array {
    $out = [];
    foreach ($handlers as $name => [, , $switch]) {
        foreach ($switch === null ? ['always'] : ($switch === false ? ['off'] : ['on', 'off']) as $m) {
            $out[] = "$name|$m";
        }
    }
    return $out;
}

function fail(string $why): never {
    fwrite(STDERR, "pinned.php: $why\n");
    exit(1);
}

$current = '';
set_error_handler(function (int $no, string $msg) use (&$current) {
    fail("$current: PHP said: $msg");
});

ini_set('session.use_cookies', '0');
ini_set('session.use_only_cookies', '0');
ini_set('session.cache_limiter', '');
ini_set('session.use_strict_mode', '0');
ini_set('session.gc_probability', '0');

/** Switches the process to a configuration; no session is active between blocks. */
function apply(array $handlers, string $config): void {
    [$name, $m] = explode('|', $config);
    [, $ini, $switch] = $handlers[$name];
    if (is_string($switch)) {
        $ini[$switch] = $m === 'on' ? '1' : '0';
    }
    foreach ($ini as $k => $v) {
        if (ini_set($k, $v) === false) {
            fail("$config: ini_set($k, $v) refused");
        }
    }
}

// Four 1 KiB payloads; a session's payload follows its counter, so a cycle changes 1 KiB and a
// read-back of the wrong version is caught.
$payloads = [];
for ($i = 0; $i < 4; $i++) {
    $payloads[] = substr(base64_encode(random_bytes(1024)), 0, 1024);
}
$tag = bin2hex(random_bytes(3));
$state = []; // config's handler => ['ids' => [...], 'n' => [id => counter], 'next' => position]

/** Creates the handler's ~$nids sessions (counter 0), opening its connections: the warm-up. */
function warm(string $config): void {
    global $state, $nids, $payloads, $tag, $current;
    $current = $config;
    $name = explode('|', $config)[0];
    if (isset($state[$name])) {
        return;
    }
    $s = ['ids' => [], 'n' => [], 'next' => 0];
    for ($i = 0; $i < $nids; $i++) {
        $id = sprintf('pin%s%s%04d', $tag, substr(md5($name), 0, 6), $i);
        session_id($id);
        if (!session_start()) {
            fail("$config: session_start() failed in the warm-up");
        }
        $_SESSION = ['n' => 0, 'p' => $payloads[0]];
        session_write_close();
        $s['ids'][] = $id;
        $s['n'][$id] = 0;
    }
    $state[$name] = $s;
}

/** $cycles full session cycles of the active configuration, each checked. */
function cycles(string $config, int $cycles): void {
    global $state, $payloads, $current;
    $current = $config;
    $s = &$state[explode('|', $config)[0]];
    $ids = $s['ids'];
    $count = count($ids);
    for ($i = 0; $i < $cycles; $i++) {
        $id = $ids[$s['next']++ % $count];
        session_id($id);
        if (!session_start()) {
            fail("$config: session_start() failed");
        }
        $n = $_SESSION['n'] ?? null;
        if ($n !== $s['n'][$id] || ($_SESSION['p'] ?? null) !== $payloads[$n % 4]) {
            fail("$config: session $id read back counter " . var_export($n, true) . ", expected {$s['n'][$id]}");
        }
        $_SESSION['n'] = ++$n;
        $_SESSION['p'] = $payloads[$n % 4];
        session_write_close();
        $s['n'][$id] = $n;
    }
}

/** One plain socket to a store, for its stats and its floor. */
function connect(string $addr) {
    $s = stream_socket_client("tcp://$addr", $errno, $errstr, 2);
    if ($s === false) {
        fail("cannot connect to $addr: $errstr");
    }
    stream_set_timeout($s, 5);
    return $s;
}

/** Reads from $s until $done($text) says the reply is complete. */
function reply($s, callable $done): string {
    $text = '';
    while (!$done($text)) {
        $chunk = fread($s, 65536);
        if ($chunk === false || $chunk === '') {
            fail('a store closed or timed out the benchmark\'s own connection');
        }
        $text .= $chunk;
    }
    return $text;
}

/** What the server counted so far: Redis read events on client sockets (a pipelined batch is one;
 * this probe's own INFO is one), memcached commands (no round-trip counter: a pipeline counts
 * each of its commands). */
function served(string $store, $s): int {
    if ($store === 'redis') {
        fwrite($s, "INFO stats\r\n");
        $text = reply($s, fn ($t) => preg_match('/^\$(\d+)\r\n/', $t, $m) && strlen($t) >= strlen($m[0]) + $m[1] + 2);
        preg_match('/total_reads_processed:(\d+)/', $text, $m);
        return (int) $m[1];
    }
    fwrite($s, "stats\r\n");
    $text = reply($s, fn ($t) => str_ends_with($t, "END\r\n"));
    $n = 0;
    foreach (['cmd_get', 'cmd_set', 'cmd_touch', 'delete_hits', 'delete_misses', 'incr_hits', 'incr_misses', 'decr_hits', 'decr_misses'] as $k) {
        preg_match("/STAT $k (\d+)/", $text, $m);
        $n += (int) ($m[1] ?? 0);
    }
    return $n;
}

/** The floor: one client's round trips per second on one socket, `get` of a missing key. */
function floor_loop($s, string $request, string $end, int $n): float {
    $t = hrtime(true);
    for ($i = 0; $i < $n; $i++) {
        fwrite($s, $request);
        reply($s, fn ($r) => str_ends_with($r, $end));
    }
    return $n / ((hrtime(true) - $t) / 1e9);
}

/** redis-benchmark's own floor (1 client, GET), run as a child: it inherits this process's CPU. */
function redis_benchmark(string $addr, int $n): float {
    [$host, $port] = explode(':', $addr);
    $out = (string) shell_exec(sprintf('redis-benchmark -h %s -p %s -c 1 -n %d -t get --csv 2>&1', escapeshellarg($host), escapeshellarg($port), $n));
    if (!preg_match('/^"GET","([0-9.]+)"/m', $out, $m)) {
        fail("redis-benchmark gave no GET rate: $out");
    }
    return (float) $m[1];
}

$configs = configs($handlers);
foreach ($configs as $c) {
    apply($handlers, $c);
    warm($c);
    cycles($c, min($block, 20));
}

if ($mode === 'trace') {
    // Markers on stderr split strace's log into blocks; the same cycles as the timed pass.
    foreach ($configs as $c) {
        apply($handlers, $c);
        fwrite(STDERR, "@@block $c $block\n");
        cycles($c, $block);
        fwrite(STDERR, "@@end\n");
    }
    exit(0);
}

$probe = ['redis' => connect($redis), 'memcached' => connect($mc)];
$floors = [
    'redis-benchmark' => fn () => redis_benchmark($redis, $floor_n),
    'redis loop' => fn () => floor_loop($probe['redis'], "*2\r\n\$3\r\nGET\r\n\$5\r\nfloor\r\n", "\r\n", $floor_n),
    'memcached loop' => fn () => floor_loop($probe['memcached'], "get floor\r\n", "END\r\n", $floor_n),
];
$rates = array_fill_keys(array_merge($configs, array_keys($floors)), []);
$counted = array_fill_keys($configs, []);
$jobs = array_merge($configs, array_keys($floors));
for ($r = 0; $r < $rounds; $r++) {
    shuffle($jobs);
    foreach ($jobs as $job) {
        $current = $job;
        if (isset($floors[$job])) {
            $rates[$job][] = $floors[$job]();
            continue;
        }
        $store = $handlers[explode('|', $job)[0]][0];
        apply($handlers, $job);
        // A cluster's commands are spread over its nodes: not counted.
        $probed = $probe[$store] ?? null;
        $before = $probed ? served($store, $probed) : 0;
        $t = hrtime(true);
        cycles($job, $block);
        $seconds = (hrtime(true) - $t) / 1e9;
        // Redis: the closing probe's own INFO is counted before it answers.
        $counted[$job][] = $probed ? (served($store, $probed) - $before - ($store === 'redis' ? 1 : 0)) / $block : -1;
        $rates[$job][] = $block / $seconds;
    }
}
$stores = array_map(fn ($h) => $h[0], $handlers);
$switches = array_map(fn ($h) => $h[2], $handlers);
echo json_encode(['placement' => getenv('BENCH_PLACEMENT') ?: '', 'rounds' => $rounds, 'block' => $block, 'ids' => $nids, 'floor_n' => $floor_n,
    'stores' => $stores, 'switches' => $switches, 'rates' => $rates, 'counted' => $counted], JSON_PRETTY_PRINT), "\n";
