<?php
// A Redis Sentinel set of the test's own on loopback: a master, replicas and sentinels on free
// ports, their files in a directory of its own under $RSESSION_RUN/tests. Everything it starts
// is stopped, and the directory removed, when the test ends, however it ends.
require_once __DIR__ . '/helpers.php';

/**
 * Starts the set. Options: service (name), replicas (count), sentinels (count), master_pw
 * (requirepass of master and replicas), sentinel_pw (requirepass of the sentinels).
 * Returns ['service', 'master' => port, 'replicas' => [ports], 'sentinels' => [ports],
 * 'dir', 'args' => [port => redis-server arguments]]. The processes are kept by port.
 */
function rs_sentinel_set(array $o = []): array {
    $o += ['service' => 'rsmaster', 'replicas' => 1, 'sentinels' => 3, 'master_pw' => null, 'sentinel_pw' => null];
    $dir = rs_env('RSESSION_RUN', dirname(__DIR__, 2) . '/.run') . '/tests/sentinel-' . getmypid() . '-' . bin2hex(random_bytes(3));
    @mkdir($dir, 0700, true);
    $set = ['service' => $o['service'], 'dir' => $dir, 'args' => [], 'replicas' => [], 'sentinels' => []];
    $GLOBALS['rs_sentinel_dirs'][] = $dir;
    static $cleanup = false;
    if (!$cleanup) {
        $cleanup = true;
        register_shutdown_function('rs_sentinel_stop_all');
    }
    $data = ['--dir', $dir, '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
    if ($o['master_pw'] !== null) {
        array_push($data, '--requirepass', $o['master_pw'], '--masterauth', $o['master_pw']);
    }
    $set['master'] = rs_free_port();
    rs_sentinel_start_redis($set, $set['master'], $data);
    for ($i = 0; $i < $o['replicas']; $i++) {
        $port = rs_free_port();
        rs_sentinel_start_redis($set, $port, [...$data, '--replicaof', '127.0.0.1', (string) $set['master']]);
        $set['replicas'][] = $port;
    }
    foreach ($set['replicas'] as $port) {
        $r = rs_sentinel_resp($port, $o['master_pw']);
        for ($i = 0; $i < 100 && !str_contains((string) $r->cmd('INFO', 'replication'), 'master_link_status:up'); $i++) { usleep(50000); }
    }
    $s = $o['service'];
    for ($i = 0; $i < $o['sentinels']; $i++) {
        $port = rs_free_port();
        $conf = "$dir/sentinel-$port.conf";
        $lines = ["port $port", 'bind 127.0.0.1', "dir $dir",
            "sentinel monitor $s 127.0.0.1 {$set['master']} 2",
            "sentinel down-after-milliseconds $s 1000",
            "sentinel failover-timeout $s 3000",
            "sentinel parallel-syncs $s 1"];
        if ($o['master_pw'] !== null) { $lines[] = "sentinel auth-pass $s {$o['master_pw']}"; }
        if ($o['sentinel_pw'] !== null) {
            $lines[] = "requirepass {$o['sentinel_pw']}";
            $lines[] = "sentinel sentinel-pass {$o['sentinel_pw']}";
        }
        file_put_contents($conf, implode("\n", $lines) . "\n");
        rs_sentinel_start_redis($set, $port, [$conf, '--sentinel']);
        $set['sentinels'][] = $port;
    }
    // Every sentinel sees the others and the replicas, so that a failover can be agreed on.
    foreach ($set['sentinels'] as $port) {
        $r = rs_sentinel_resp($port, $o['sentinel_pw']);
        for ($i = 0; $i < 200; $i++) {
            $info = $r->cmd('SENTINEL', 'MASTER', $s);
            $f = is_array($info) ? array_combine(array_values(array_filter($info, fn ($k) => $k % 2 === 0, ARRAY_FILTER_USE_KEY)), array_values(array_filter($info, fn ($k) => $k % 2 === 1, ARRAY_FILTER_USE_KEY))) : [];
            if ((int) ($f['num-other-sentinels'] ?? 0) === count($set['sentinels']) - 1 && (int) ($f['num-slaves'] ?? 0) === count($set['replicas'])) { break; }
            usleep(50000);
        }
    }
    return $set;
}

/** Starts one redis-server (or sentinel) of the set, and waits until it accepts connections. */
function rs_sentinel_start_redis(array &$set, int $port, array $args): void {
    $cmd = str_ends_with((string) ($args[0] ?? ''), '.conf')
        ? ['redis-server', $args[0], ...array_slice($args, 1)]
        : ['redis-server', '--port', (string) $port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...$args];
    $GLOBALS['rs_sentinel_procs'][$port] = proc_open($cmd, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    $set['args'][$port] = $args;
    for ($i = 0; $i < 100; $i++) {
        $s = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.1);
        if ($s) { fclose($s); return; }
        usleep(50000);
    }
    throw new RuntimeException("redis-server on port $port did not start");
}

/** Kills the server on $port with SIGKILL, and waits until it is gone. */
function rs_sentinel_kill(int $port): void {
    if (isset($GLOBALS['rs_sentinel_procs'][$port])) {
        rs_kill($GLOBALS['rs_sentinel_procs'][$port]);
        unset($GLOBALS['rs_sentinel_procs'][$port]);
    }
}

/** Sends $sig (STOP, CONT) to the server on $port. */
function rs_sentinel_signal(int $port, string $sig): void {
    rs_signal($GLOBALS['rs_sentinel_procs'][$port], $sig);
}

/** Starts the server on $port again, as it was started first. */
function rs_sentinel_restart(array &$set, int $port): void {
    rs_sentinel_start_redis($set, $port, $set['args'][$port]);
}

function rs_sentinel_resp(int $port, ?string $password = null): Resp {
    return new Resp("tcp://127.0.0.1:$port", $password);
}

/** The master's port as the sentinel on $port names it. */
function rs_sentinel_master(array $set, int $port, ?string $password = null): ?int {
    $reply = rs_sentinel_resp($port, $password)->cmd('SENTINEL', 'get-master-addr-by-name', $set['service']);
    return is_array($reply) ? (int) $reply[1] : null;
}

/** The sentinels' list as save_path writes it. */
function rs_sentinel_hosts(array $set): string {
    return implode(',', array_map(fn ($p) => "127.0.0.1:$p", $set['sentinels']));
}

/** $text with the set's ports named: MASTER, REPLICA1..., SENTINEL1... */
function rs_sentinel_neutral(array $set, string $text): string {
    $names = [$set['master'] => 'MASTER'];
    foreach ($set['replicas'] as $i => $p) { $names[$p] = 'REPLICA' . ($i + 1); }
    foreach ($set['sentinels'] as $i => $p) { $names[$p] = 'SENTINEL' . ($i + 1); }
    return preg_replace_callback('/\b(\d{4,5})\b/', fn ($m) => $names[(int) $m[1]] ?? $m[1], $text);
}

/** Stops every server the sets started (a stopped one is continued first) and removes their files. */
function rs_sentinel_stop_all(): void {
    foreach (array_keys($GLOBALS['rs_sentinel_procs'] ?? []) as $port) {
        rs_sentinel_signal($port, 'CONT');
        rs_sentinel_kill($port);
    }
    foreach ($GLOBALS['rs_sentinel_dirs'] ?? [] as $dir) {
        array_map('unlink', glob("$dir/*") ?: []);
        @rmdir($dir);
    }
    $GLOBALS['rs_sentinel_dirs'] = [];
}
