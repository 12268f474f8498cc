<?php
// A Redis Cluster of the test's own, on loopback: its nodes are started, joined by
// `redis-cli --cluster create` and stopped (with their files) by the test.
require_once __DIR__ . '/helpers.php';

final class RsCluster {
    /** @var int[] every node's port, masters first as `redis-cli --cluster create` made them */
    public array $ports = [];
    /** @var array<int, resource> */
    private array $procs = [];
    public string $dir;
    /** requirepass (and masterauth) of every node, if any */
    private ?string $password;

    /** @param array<string> $extra more redis-server arguments for every node (e.g. an ACL `--user`) */
    public function __construct(int $masters = 3, int $replicas = 1, ?string $password = null, array $extra = []) {
        $this->password = $password;
        $extra = [...($password === null ? [] : ['--requirepass', $password, '--masterauth', $password]), ...$extra];
        $this->dir = rs_env('RSESSION_RUN', dirname(__DIR__, 2) . '/.run') . '/tests/cluster-' . getmypid() . '-' . bin2hex(random_bytes(3));
        @mkdir($this->dir, 0700, true);
        foreach (rs_cluster_ports($masters * (1 + $replicas)) as $port) {
            $this->start($port, $extra);
        }
        $nodes = array_map(fn ($p) => "127.0.0.1:$p", $this->ports);
        $out = [];
        $auth = $password === null ? '' : '--no-auth-warning -a ' . escapeshellarg($password) . ' ';
        exec('redis-cli ' . $auth . '--cluster create ' . implode(' ', $nodes) . " --cluster-replicas $replicas --cluster-yes 2>&1", $out, $exit);
        if ($exit !== 0) {
            $this->stop();
            throw new RuntimeException("redis-cli --cluster create failed:\n" . implode("\n", $out));
        }
        $this->waitHealthy();
    }

    /** @param array<string> $extra */
    public function start(int $port, array $extra = []): void {
        if (!in_array($port, $this->ports, true)) {
            $this->ports[] = $port;
        }
        $this->procs[$port] = rs_redis_server($port, ['--cluster-enabled', 'yes', '--cluster-port', (string) ($port + RS_CLUSTER_BUS),
            '--cluster-config-file', "nodes-$port.conf",
            '--cluster-node-timeout', '1000', '--dir', $this->dir, '--dbfilename', "dump-$port.rdb",
            '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', ...$extra]);
    }

    /** Every slot served and every replica in sync (bounded: 20 s). */
    public function waitHealthy(): void {
        for ($i = 0; $i < 400; $i++) {
            if ($this->healthy()) { return; }
            usleep(50000);
        }
        throw new RuntimeException('the cluster did not become healthy: ' . $this->node($this->ports[0])->cmd('CLUSTER', 'INFO'));
    }

    private function healthy(): bool {
        foreach (array_keys($this->procs) as $port) {
            $info = (string) $this->node($port)->cmd('CLUSTER', 'INFO');
            if (!str_contains($info, 'cluster_state:ok') || !str_contains($info, 'cluster_slots_ok:16384')) { return false; }
            $repl = (string) $this->node($port)->cmd('INFO', 'replication');
            if (str_contains($repl, 'role:slave') && !str_contains($repl, 'master_link_status:up')) { return false; }
        }
        return true;
    }

    public function seeds(): string {
        return implode(',', array_map(fn ($p) => "127.0.0.1:$p", $this->ports));
    }

    public function node(int $port): Resp {
        return new Resp("tcp://127.0.0.1:$port", $this->password);
    }

    /** The ports of the nodes that are masters now. */
    public function masters(): array {
        $masters = [];
        foreach (array_keys($this->procs) as $port) {
            if (str_contains((string) $this->node($port)->cmd('INFO', 'replication'), 'role:master')) { $masters[] = $port; }
        }
        return $masters;
    }

    /** The port of the master serving $key's slot now. */
    public function masterOf(string $key): int {
        $any = $this->node(array_key_first($this->procs));
        $slot = (int) $any->cmd('CLUSTER', 'KEYSLOT', $key);
        foreach ($any->cmd('CLUSTER', 'SLOTS') as $range) {
            if ($slot >= $range[0] && $slot <= $range[1]) { return (int) $range[2][1]; }
        }
        throw new RuntimeException("no node serves slot $slot");
    }

    /** A command on the master of $key (its first argument after the name). */
    public function onKey(string $key, string ...$cmd) {
        return $this->node($this->masterOf($key))->cmd(...$cmd);
    }

    public function kill(int $port): void {
        rs_kill($this->procs[$port]);
        unset($this->procs[$port]);
    }

    public function process(int $port) {
        return $this->procs[$port];
    }

    public function stop(): void {
        foreach ($this->procs as $proc) {
            rs_kill($proc);
        }
        $this->procs = [];
        exec('rm -rf ' . escapeshellarg($this->dir));
    }
}

/**
 * A node's cluster bus listens this far above its port. Redis's default, 10000 above, lands in
 * the kernel's range of ephemeral ports (32768 and up), where another test's outgoing
 * connection may hold it.
 */
const RS_CLUSTER_BUS = 1000;

/**
 * $n loopback ports free for cluster nodes and their cluster bus; picked above the suite's
 * port base.
 */
function rs_cluster_ports(int $n): array {
    $ports = [];
    $base = (int) rs_env('RSESSION_TEST_PORT_BASE', '16379') + 100 + (getmypid() % 50) * 20;
    for ($port = $base; count($ports) < $n && $port < $base + 2000; $port++) {
        $free = true;
        foreach ([$port, $port + RS_CLUSTER_BUS] as $p) {
            $s = @stream_socket_server("tcp://127.0.0.1:$p");
            if (!$s) { $free = false; break; }
            fclose($s);
        }
        if ($free) { $ports[] = $port; }
    }
    if (count($ports) < $n) { throw new RuntimeException("no $n free port pairs for cluster nodes"); }
    return $ports;
}
