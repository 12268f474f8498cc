<?php
// Test helpers: where the test servers are, and a raw RESP client over fsockopen so the tests
// look at Redis directly, not through another extension.

// Session settings cannot change once output has started (headers count as sent in the CLI):
// buffer everything the test prints.
ob_start();

function rs_env(string $name, string $default): string {
    $v = getenv($name);
    return ($v === false || $v === '') ? $default : $v;
}

function rs_port(): int { return (int) rs_env('RSESSION_TEST_REDIS_PORT', '16379'); }
function rs_auth_port(): int { return (int) rs_env('RSESSION_TEST_REDIS_AUTH_PORT', '16380'); }
function rs_down_port(): int { return (int) rs_env('RSESSION_TEST_DOWN_PORT', '16390'); }
function rs_socket(): string { return rs_env('RSESSION_TEST_REDIS_SOCKET', dirname(__DIR__, 2) . '/.run/plain/redis.sock'); }
function rs_password(): string { return rs_env('RSESSION_TEST_REDIS_PASSWORD', 'rsession-test-pw'); }
function rs_acl_user(): string { return rs_env('RSESSION_TEST_REDIS_ACL_USER', 'alice'); }
function rs_acl_password(): string { return rs_env('RSESSION_TEST_REDIS_ACL_PASSWORD', 'alice-test-pw'); }

/**
 * The transport this run of the suite reaches the test servers by: "tcp" (127.0.0.1), "tcp6"
 * ([::1]) or "unix" (sockets). scripts/phpt.sh runs the suite once per transport; a test about
 * one transport only says so in a "// transports: tcp" line, and runs only there.
 */
function rs_transport(): string { return rs_env('RSESSION_TEST_TRANSPORT', 'tcp'); }

/** The loopback host of the current TCP transport, as save_path writes it. */
function rs_host(): string { return rs_transport() === 'tcp6' ? '[::1]' : '127.0.0.1'; }

/**
 * save_path for the plain test server over the current transport, with optional "/db?params"
 * appended (a unix socket takes the database as a parameter).
 */
function rs_path(string $suffix = ''): string {
    if (rs_transport() !== 'unix') {
        return 'redis://' . rs_host() . ':' . rs_port() . $suffix;
    }
    if (preg_match('#^/(\d+)(?:\?(.*))?$#', $suffix, $m)) {
        $suffix = '?database=' . $m[1] . (($m[2] ?? '') !== '' ? '&' . $m[2] : '');
    }
    return 'unix://' . rs_socket() . $suffix;
}

/** $text with the plain test server's save_path and name made the same on every transport. */
function rs_neutral(string $text): string {
    return str_replace([rs_path(), rs_label()], ['PATH', 'redis ADDR'], $text);
}

/** How rsession's warnings name the plain test server over the current transport. */
function rs_label(): string {
    return 'redis ' . (rs_transport() === 'unix' ? 'unix:' . rs_socket() : rs_host() . ':' . rs_port());
}

/** Points the session module at $path and starts a session: $id's, or a new one. */
function rs_start(string $path, ?string $id = null, array $options = []): bool {
    ini_set('session.save_path', $path);
    // An empty id makes PHP create a new one instead of reusing the last request's.
    session_id($id ?? '');
    return session_start($options);
}

/** A fresh, valid session id that no other test uses. */
function rs_new_id(string $tag): string {
    return $tag . bin2hex(random_bytes(12));
}

/** Minimal RESP2 client: enough to inspect keys, TTLs and command statistics. */
final class Resp {
    /** @var resource */
    private $s;

    public function __construct(string $target = '', ?string $password = null, ?string $user = null) {
        $target = $target ?: 'tcp://127.0.0.1:' . rs_port();
        $s = @fsockopen($target, -1, $errno, $errstr, 2.0);
        if (!$s) {
            throw new RuntimeException("cannot reach redis at $target: $errstr");
        }
        stream_set_timeout($s, 5);
        $this->s = $s;
        if ($password !== null) {
            $reply = $user === null ? $this->cmd('AUTH', $password) : $this->cmd('AUTH', $user, $password);
            if ($reply !== 'OK') {
                throw new RuntimeException('AUTH failed: ' . var_export($reply, true));
            }
        }
    }

    /** A client over a stream opened elsewhere (e.g. with TLS and a stream context). */
    public static function over($s): Resp {
        $r = (new ReflectionClass(self::class))->newInstanceWithoutConstructor();
        stream_set_timeout($s, 5);
        $r->s = $s;
        return $r;
    }

    public function cmd(string ...$args) {
        $out = '*' . count($args) . "\r\n";
        foreach ($args as $a) {
            $out .= '$' . strlen($a) . "\r\n" . $a . "\r\n";
        }
        fwrite($this->s, $out);
        return $this->reply();
    }

    private function line(): string {
        $line = fgets($this->s);
        if ($line === false) {
            throw new RuntimeException('redis closed the connection');
        }
        return substr($line, 0, -2);
    }

    private function reply() {
        $line = $this->line();
        $rest = substr($line, 1);
        switch ($line[0]) {
            case '+': return $rest;
            case '-': return new RespError($rest);
            case ':': return (int) $rest;
            case '$':
                if ((int) $rest < 0) {
                    return null;
                }
                $data = '';
                $want = (int) $rest + 2;
                while (strlen($data) < $want) {
                    $chunk = fread($this->s, $want - strlen($data));
                    if ($chunk === false || $chunk === '') {
                        throw new RuntimeException('short bulk reply');
                    }
                    $data .= $chunk;
                }
                return substr($data, 0, -2);
            case '*':
                if ((int) $rest < 0) {
                    return null;
                }
                $items = [];
                for ($i = 0; $i < (int) $rest; $i++) {
                    $items[] = $this->reply();
                }
                return $items;
        }
        throw new RuntimeException("unexpected reply line: $line");
    }

    /** Calls per command from INFO commandstats, e.g. ['get' => 3, 'set' => 1]. */
    public function commandstats(): array {
        $stats = [];
        foreach (explode("\n", $this->cmd('INFO', 'commandstats')) as $line) {
            if (preg_match('/^cmdstat_([^:]+):calls=(\d+)/', trim($line), $m)) {
                $stats[$m[1]] = (int) $m[2];
            }
        }
        return $stats;
    }
}

final class RespError {
    public function __construct(public string $message) {}
}

function rs_redis(): Resp {
    static $r = null;
    return $r ??= new Resp();
}

/** Commands the server ran while $fn ran, by name (only those that changed). */
function rs_commands_during(callable $fn, ?Resp $r = null): array {
    $r ??= rs_redis();
    $before = $r->commandstats();
    $fn();
    $after = $r->commandstats();
    $diff = [];
    foreach ($after as $name => $calls) {
        $n = $calls - ($before[$name] ?? 0);
        // The INFO call that took the first snapshot shows up in the second.
        if ($name === 'info') {
            $n -= 1;
        }
        if ($n > 0) {
            $diff[$name] = $n;
        }
    }
    ksort($diff);
    return $diff;
}

/** Collects warnings instead of printing them, so a test can assert on their text. */
function rs_capture_warnings(): void {
    $GLOBALS['rs_warnings'] = [];
    set_error_handler(function (int $no, string $msg) {
        if (!(error_reporting() & $no)) {
            return false; // silenced with @
        }
        $GLOBALS['rs_warnings'][] = $msg;
        return true;
    });
}

function rs_warnings(): array {
    $w = $GLOBALS['rs_warnings'] ?? [];
    $GLOBALS['rs_warnings'] = [];
    return $w;
}

/** A loopback port that was free a moment ago (on [::1] for the tcp6 transport). */
function rs_free_port(): int {
    $s = stream_socket_server('tcp://' . rs_host() . ':0');
    $port = (int) substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
    fclose($s);
    return $port;
}

/**
 * Starts a child PHP process serving `$reply` to every connection on a fresh loopback port:
 * a fake "Redis" that answers garbage. Returns [process, port].
 */
function rs_garbage_server(string $reply) {
    $code = '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1), "\n"; '
        . '$end = microtime(true) + 20; while (microtime(true) < $end && ($c = @stream_socket_accept($s, 1))) { fread($c, 65536); fwrite($c, base64_decode("' . base64_encode($reply) . '")); fclose($c); }';
    $proc = proc_open([PHP_BINARY, '-n', '-r', $code], [1 => ['pipe', 'w']], $pipes);
    $port = (int) trim(fgets($pipes[1]));
    return [$proc, $port];
}

/** Starts a redis-server of the test's own on $port, with $extra arguments; returns its process. */
function rs_redis_server(int $port, array $extra = []) {
    $proc = proc_open(['redis-server', '--port', (string) $port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...$extra],
        [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    for ($i = 0; $i < 100; $i++) {
        $s = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.1);
        if ($s) {
            fwrite($s, "PING\r\n");
            // A server with a password answers NOAUTH: up all the same.
            $reply = (string) fgets($s);
            if ($reply === "+PONG\r\n" || str_starts_with($reply, '-NOAUTH')) { fclose($s); return $proc; }
            fclose($s);
        }
        usleep(50000);
    }
    throw new RuntimeException("redis-server on port $port did not start");
}

/**
 * sendto calls per request (one per round trip) of $n requests on session $id, each changing
 * its counter $_SESSION["n"], in a child PHP process run under strace. -1 if a request failed.
 */
function rs_sendto_per_request(string $path, string $id, int $n = 10): float {
    $trace = tempnam(sys_get_temp_dir(), 'rs-sendto');
    $code = 'ini_set("session.save_path", ' . var_export($path, true) . '); session_id(' . var_export($id, true) . ');'
        . 'for ($i = 0; $i < ' . $n . '; $i++) { if (!session_start()) { exit(1); } $_SESSION["n"] = ($_SESSION["n"] ?? 0) + 1; session_write_close(); }';
    $cmd = ['strace', '-f', '-c', '-o', $trace, '-e', 'trace=sendto', PHP_BINARY, '-n', '-d', 'extension=' . rs_so(),
        '-d', 'session.save_handler=rsession', '-d', 'session.use_cookies=0', '-d', 'session.cache_limiter=', '-r', $code];
    $exit = proc_close(proc_open($cmd, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes));
    $calls = 0;
    foreach (file($trace) as $line) {
        if (preg_match('/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?sendto$/', $line, $m)) { $calls = (int) $m[1]; }
    }
    unlink($trace);
    return $exit === 0 ? $calls / $n : -1;
}

/**
 * Sends $sig (STOP, CONT...) to $proc. kill returns once the signal is sent, and a busy machine
 * may take a moment to stop every thread of a server, so STOP waits (at most 1 s) until the
 * kernel reports all of them stopped.
 */
function rs_signal($proc, string $sig): void {
    $pid = proc_get_status($proc)['pid'];
    proc_close(proc_open(['kill', "-$sig", (string) $pid], [], $pipes));
    for ($n = 0; $sig === 'STOP' && $n < 200; $n++) {
        $states = array_map(fn ($f) => preg_replace('/^.*\) (\S).*$/s', '$1', (string) @file_get_contents($f)), glob("/proc/$pid/task/*/stat") ?: []);
        if ($states !== [] && count(array_diff($states, ['T'])) === 0) { return; }
        usleep(5000);
    }
}

function rs_kill($proc): void {
    proc_terminate($proc, 9);
    while (proc_get_status($proc)['running']) { usleep(10000); }
    proc_close($proc);
}

/**
 * Round trips the server served while $fn ran: read events on client sockets (a pipelined
 * batch arrives as one), less the probe's own. Command statistics cannot tell this: they also
 * count commands run inside server-side scripts.
 */
function rs_round_trips(callable $fn, ?Resp $r = null): int {
    $r ??= rs_redis();
    $reads = function () use ($r): int {
        preg_match('/total_reads_processed:(\d+)/', $r->cmd('INFO', 'stats'), $m);
        return (int) $m[1];
    };
    $before = $reads();
    $fn();
    return $reads() - $before - 1;
}

/** The rsession.so this test run loaded, to load it in child processes too. */
function rs_so(): string {
    if (preg_match('/extension=(\S*rsession\S*\.so)/', (string) getenv('TEST_PHP_EXTRA_ARGS'), $m)) {
        return $m[1];
    }
    return dirname(__DIR__, 2) . '/target/release/librsession.so';
}

/**
 * Runs $code in a child PHP process with rsession loaded and these helpers included. The child
 * reports on STDERR (it bypasses output buffering, so it does not count as sent headers).
 * Returns [process, stderr pipe].
 */
function rs_child(string $code, array $ini = []) {
    $ini += [
        'session.save_handler' => 'rsession', 'session.use_cookies' => '0', 'session.use_only_cookies' => '0',
        'session.cache_limiter' => '', 'session.gc_maxlifetime' => '1440', 'session.use_strict_mode' => '0',
    ];
    $cmd = [PHP_BINARY, '-n', '-d', 'extension=' . rs_so()];
    foreach ($ini as $k => $v) {
        $cmd[] = '-d';
        $cmd[] = "$k=$v";
    }
    $cmd[] = '-r';
    $cmd[] = 'require ' . var_export(__DIR__ . '/helpers.php', true) . '; ' . $code;
    $proc = proc_open($cmd, [1 => ['file', '/dev/null', 'w'], 2 => ['pipe', 'w']], $pipes);
    return [$proc, $pipes[2]];
}

/** Waits for the child's next report line (bounded). */
function rs_child_says($pipe, float $timeout = 10.0): string {
    stream_set_timeout($pipe, (int) ceil($timeout));
    $line = fgets($pipe);
    return $line === false ? '(child said nothing)' : rtrim($line, "\n");
}

/** Waits for the child to exit; returns everything else it reported and its exit code. */
function rs_child_end($proc, $pipe): array {
    $rest = stream_get_contents($pipe);
    fclose($pipe);
    return [trim((string) $rest), proc_close($proc)];
}

/**
 * The test memcached nodes over the current transport: "127.0.0.1:port" or "[::1]:port" for the
 * three TCP nodes, the one socket path for unix (save_path takes one socket per entry).
 */
function mc_nodes(): array {
    if (rs_transport() === 'unix') {
        return [mc_socket()];
    }
    return array_map(fn ($p) => rs_host() . ":$p", explode(',', rs_env('RSESSION_TEST_MEMCACHED_PORTS', '16381,16382,16383')));
}

/** How rsession's warnings name a memcached node given as mc_nodes() gives it. */
function mc_label(string $node): string {
    return 'memcached ' . (str_starts_with($node, '/') ? "unix:$node" : $node);
}

/**
 * $text with memcached save_paths and names made the same on every transport: $path becomes
 * PATH, the store's name (all its nodes) "memcached NODES" (of one node: "memcached NODE"), one
 * node's name "memcached NODE".
 */
function mc_neutral(string $text, ?string $path = null, ?array $nodes = null): string {
    $nodes ??= mc_nodes();
    $path ??= mc_path('', $nodes);
    $store = 'memcached ' . implode(',', array_map(fn ($n) => substr(mc_label($n), 10), $nodes));
    $text = str_replace([$path, $store], ['PATH', count($nodes) > 1 ? 'memcached NODES' : 'memcached NODE'], $text);
    return str_replace(array_map('mc_label', $nodes), 'memcached NODE', $text);
}

function mc_socket(): string {
    return rs_env('RSESSION_TEST_MEMCACHED_SOCKET', dirname(__DIR__, 2) . '/.run/memcached/memcached.sock');
}

/** Minimal memcached text-protocol client, to look at what rsession stored. */
final class Memc {
    /** @var resource */
    private $s;

    public function __construct(public string $target) {
        $s = @stream_socket_client(str_starts_with($target, '/') ? "unix://$target" : "tcp://$target", $errno, $errstr, 2.0);
        if (!$s) {
            throw new RuntimeException("cannot reach memcached at $target: $errstr");
        }
        stream_set_timeout($s, 5);
        $this->s = $s;
    }

    private function line(): string {
        $line = fgets($this->s);
        if ($line === false) {
            throw new RuntimeException("memcached $this->target closed the connection");
        }
        return rtrim($line, "\r\n");
    }

    /** The value under $key, or null. */
    public function get(string $key): ?string {
        fwrite($this->s, "get $key\r\n");
        $head = $this->line();
        if ($head === 'END') {
            return null;
        }
        $len = (int) explode(' ', $head)[3];
        $data = '';
        while (strlen($data) < $len + 2) {
            $data .= fread($this->s, $len + 2 - strlen($data));
        }
        $this->line(); // END
        return substr($data, 0, $len);
    }

    /** Seconds left before $key expires (-1: never), or null if it does not exist. */
    public function ttl(string $key): ?int {
        fwrite($this->s, "mg $key t\r\n");
        $reply = $this->line();
        return preg_match('/^HD t(-?\d+)/', $reply, $m) ? (int) $m[1] : null;
    }

    public function set(string $key, string $value, int $exptime = 0): void {
        fwrite($this->s, "set $key 0 $exptime " . strlen($value) . "\r\n$value\r\n");
        $this->line();
    }

    public function stats(): array {
        fwrite($this->s, "stats\r\n");
        $stats = [];
        while (($line = $this->line()) !== 'END') {
            [, $name, $value] = explode(' ', $line, 3);
            $stats[$name] = $value;
        }
        return $stats;
    }

    public function flush(): void {
        fwrite($this->s, "flush_all\r\n");
        $this->line();
    }
}

/** Commands memcached ran while $fn ran, from its stats counters (only those that changed). */
function mc_commands_during(array $nodes, callable $fn): array {
    $names = ['cmd_get', 'cmd_set', 'cmd_touch', 'delete_hits', 'delete_misses', 'cmd_flush'];
    $snap = function () use ($nodes, $names): array {
        $sum = array_fill_keys($names, 0);
        foreach ($nodes as $n) {
            $stats = (new Memc($n))->stats();
            foreach ($names as $name) { $sum[$name] += (int) ($stats[$name] ?? 0); }
        }
        return $sum;
    };
    $before = $snap();
    $fn();
    $after = $snap();
    $diff = [];
    foreach ($names as $name) {
        if ($after[$name] > $before[$name]) { $diff[$name] = $after[$name] - $before[$name]; }
    }
    return $diff;
}

/** An address for a memcached of the test's own over the current transport: a free port, or a fresh socket path. */
function mc_new_address(): string {
    if (rs_transport() === 'unix') {
        $dir = rs_env('RSESSION_RUN', dirname(__DIR__, 2) . '/.run') . '/tests';
        @mkdir($dir, 0700, true);
        return "$dir/mc-" . getmypid() . '-' . bin2hex(random_bytes(4)) . '.sock';
    }
    return rs_host() . ':' . rs_free_port();
}

/**
 * Starts a memcached of the test's own at $address (as mc_new_address() gives), with $extra
 * arguments, run by $wrapper (e.g. strace) when given; returns its process.
 */
function mc_server(string $address, array $extra = [], array $wrapper = []) {
    if (str_starts_with($address, '/')) {
        @unlink($address);
        $args = ['memcached', '-s', $address, '-a', '0700'];
        $target = "unix://$address";
    } else {
        $colon = strrpos($address, ':');
        $args = ['memcached', '-l', substr($address, 0, $colon), '-p', substr($address, $colon + 1), '-U', '0'];
        $target = "tcp://$address";
    }
    array_push($args, '-m', '64', ...$extra);
    if (function_exists('posix_getuid') ? posix_getuid() === 0 : trim((string) shell_exec('id -u')) === '0') {
        array_push($args, '-u', 'root');
    }
    $args = [...$wrapper, ...$args];
    // No shell: without a wrapper the process handle is memcached itself, so signals reach it.
    $proc = proc_open($args, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    for ($i = 0; $i < 100; $i++) {
        $s = @stream_socket_client($target, $errno, $errstr, 0.1);
        if ($s) { fclose($s); return $proc; }
        usleep(20000);
    }
    throw new RuntimeException("memcached at $address did not start");
}

/** save_path for the test memcached nodes (all three by default), with "?params" appended. */
function mc_path(string $params = '', ?array $nodes = null): string {
    return 'memcached://' . implode(',', $nodes ?? mc_nodes()) . $params;
}

/** Which of $nodes holds $key (their index), or null. */
function mc_where(array $nodes, string $key): array {
    $found = [];
    foreach ($nodes as $i => $n) {
        if ((new Memc($n))->get($key) !== null) { $found[] = $i; }
    }
    return $found;
}

/**
 * A fault-injecting TCP proxy in a child process, in front of 127.0.0.1:$upstream_port. It
 * passes everything through until a fault is armed with rs_proxy_arm(); the fault then hits the
 * next reply from the server (one-shot): "drop" closes the client's connection instead of
 * passing the reply on (the server has run the command: the reply is lost), "garbage" replaces
 * the reply with bytes no protocol knows, "stall" withholds it and every later reply on that
 * connection. Returns ['proc' => ..., 'port' => ..., 'ctl' => control file].
 */
function rs_proxy(int $upstream_port): array {
    $ctl = tempnam(sys_get_temp_dir(), 'rsproxy');
    $code = <<<'PHP'
[, $ctl, $up] = $argv;
$srv = stream_socket_server('tcp://127.0.0.1:0');
echo substr(strrchr(stream_socket_get_name($srv, false), ':'), 1), "\n";
$pairs = [];
$end = microtime(true) + 120;
$close = function (int $k) use (&$pairs) { fclose($pairs[$k][0]); fclose($pairs[$k][1]); unset($pairs[$k]); };
while (microtime(true) < $end && file_exists($ctl)) {
    $r = [$srv];
    foreach ($pairs as $p) { $r[] = $p[0]; $r[] = $p[1]; }
    $w = $e = null;
    if (!@stream_select($r, $w, $e, 0, 100000)) { continue; }
    foreach ($r as $s) {
        if ($s === $srv) {
            $c = stream_socket_accept($srv);
            $u = stream_socket_client("tcp://127.0.0.1:$up");
            $pairs[(int) $c] = [$c, $u, null];
            continue;
        }
        foreach ($pairs as $k => $p) {
            if ($s !== $p[0] && $s !== $p[1]) { continue; }
            $data = fread($s, 1 << 20);
            if ($data === '' || $data === false) { $close($k); break; }
            if ($s === $p[0]) { fwrite($p[1], $data); break; }
            $mode = $p[2];
            if ($mode === null && ($m = trim((string) @file_get_contents($ctl))) !== '') {
                file_put_contents($ctl, '');
                $mode = $m;
            }
            if ($mode === null) { fwrite($p[0], $data); }
            elseif ($mode === 'drop') { $close($k); }
            elseif ($mode === 'garbage') { fwrite($p[0], "\x00\xffgarbage\r\n"); }
            elseif ($mode === 'stall') { $pairs[$k][2] = 'stall'; }
            break;
        }
    }
}
PHP;
    $proc = proc_open([PHP_BINARY, '-n', '-r', $code, '--', $ctl, (string) $upstream_port],
        [1 => ['pipe', 'w']], $pipes);
    $port = (int) trim(fgets($pipes[1]));
    return ['proc' => $proc, 'port' => $port, 'ctl' => $ctl];
}

/** Arms the proxy's next fault: "drop", "garbage" or "stall". */
function rs_proxy_arm(array $proxy, string $fault): void {
    file_put_contents($proxy['ctl'], $fault);
}

function rs_proxy_stop(array $proxy): void {
    @unlink($proxy['ctl']);
    rs_kill($proxy['proc']);
}

/**
 * Starts a child PHP process that forwards connections to the memcached at $upstream, and for
 * the batches (each read from a client, counted from 1 over all connections) listed in $drop
 * hands the batch to memcached, waits for its reply, and then closes the client's connection
 * without passing the reply on: a connection dropped after the server did the work. Listens on
 * the current transport; returns [process, address].
 */
function mc_dropping_proxy(string $upstream, array $drop) {
    $listen = mc_new_address();
    $url = fn (string $a) => str_starts_with($a, '/') ? "unix://$a" : "tcp://$a";
    $listen_url = str_starts_with($listen, '/') ? $url($listen) : 'tcp://' . rs_host() . ':0';
    $code = '$srv = stream_socket_server(' . var_export($listen_url, true) . ');'
        . 'echo stream_socket_get_name($srv, false), "\n";'
        . '$up = ' . var_export($url($upstream), true) . '; $drop = ' . var_export($drop, true) . ';'
        . '$batch = 0; $pairs = []; $end = microtime(true) + 30;'
        . 'while (microtime(true) < $end) {'
        . '  $read = [$srv]; foreach ($pairs as [$c, $u]) { $read[] = $c; $read[] = $u; } $w = $e = null;'
        . '  if (!@stream_select($read, $w, $e, 0, 200000)) { continue; }'
        . '  foreach ($read as $s) {'
        . '    if ($s === $srv) { $c = stream_socket_accept($srv); $pairs[(int) $c] = [$c, stream_socket_client($up)]; continue; }'
        . '    foreach ($pairs as $k => [$c, $u]) { if ($s === $c || $s === $u) { break; } }'
        . '    $data = fread($s, 1 << 20);'
        . '    if ($data === "" || $data === false) { fclose($c); fclose($u); unset($pairs[$k]); continue; }'
        . '    if ($s === $u) { fwrite($c, $data); continue; }'
        . '    fwrite($u, $data);'
        . '    if (in_array(++$batch, $drop, true)) { stream_set_timeout($u, 2); fread($u, 1 << 20); fclose($c); fclose($u); unset($pairs[$k]); }'
        . '  }'
        . '}';
    $proc = proc_open([PHP_BINARY, '-n', '-r', $code], [1 => ['pipe', 'w']], $pipes);
    $name = trim((string) fgets($pipes[1]));
    if (str_starts_with($listen, '/')) {
        return [$proc, $listen];
    }
    return [$proc, rs_host() . ':' . substr(strrchr($name, ':'), 1)];
}

/**
 * Certificates for TLS tests, made now with the openssl CLI in a directory of the test's own
 * (removed when the test ends). Returns paths: 'ca' (the test CA), 'other_ca' (a CA nobody
 * trusts), and a [cert, key] pair for each of: 'server' (signed by ca, for 127.0.0.1 and
 * localhost), 'untrusted' (signed by other_ca, same names), 'wrong_name' (signed by ca, for
 * other.example only), 'expired' (signed by ca, expired yesterday), 'client' (signed by ca, an
 * RSA client certificate).
 */
function rs_tls_certs(): array {
    $dir = rs_env('RSESSION_RUN', dirname(__DIR__, 2) . '/.run') . '/tests/tls-' . getmypid() . '-' . bin2hex(random_bytes(4));
    @mkdir($dir, 0700, true);
    register_shutdown_function(function () use ($dir) {
        array_map('unlink', glob("$dir/*") ?: []);
        @rmdir($dir);
    });
    $run = function (array $args) use ($dir): void {
        $proc = proc_open(['openssl', ...$args], [1 => ['file', '/dev/null', 'w'], 2 => ['pipe', 'w']], $pipes, $dir);
        $err = stream_get_contents($pipes[2]);
        if (proc_close($proc) !== 0) { throw new RuntimeException('openssl ' . implode(' ', $args) . ": $err"); }
    };
    $ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    foreach (['ca' => 'rsession test CA', 'other_ca' => 'rsession other CA'] as $name => $cn) {
        $run(['req', '-x509', ...$ec, '-keyout', "$name.key", '-out', "$name.pem", '-days', '2', '-subj', "/CN=$cn",
            '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    }
    $leaf = function (string $name, string $ca, string $san, string $days, array $key, string $usage) use ($run, $dir): array {
        $run(['req', ...$key, '-keyout', "$name.key", '-out', "$name.csr", '-subj', "/CN=$name"]);
        file_put_contents("$dir/$name.ext", "subjectAltName=$san\nextendedKeyUsage=$usage\nbasicConstraints=CA:FALSE\n");
        $run(['x509', '-req', '-in', "$name.csr", '-CA', "$ca.pem", '-CAkey', "$ca.key", '-set_serial', (string) random_int(1, PHP_INT_MAX),
            '-days', $days, '-extfile', "$name.ext", '-out', "$name.pem"]);
        unlink("$dir/$name.csr");
        unlink("$dir/$name.ext");
        return ["$dir/$name.pem", "$dir/$name.key"];
    };
    $names = 'IP:127.0.0.1,DNS:localhost';
    return [
        'dir' => $dir,
        'ca' => "$dir/ca.pem",
        'other_ca' => "$dir/other_ca.pem",
        'server' => $leaf('server', 'ca', $names, '2', $ec, 'serverAuth'),
        'untrusted' => $leaf('untrusted', 'other_ca', $names, '2', $ec, 'serverAuth'),
        'wrong_name' => $leaf('wrong_name', 'ca', 'DNS:other.example', '2', $ec, 'serverAuth'),
        // Negative days: valid until yesterday.
        'expired' => $leaf('expired', 'ca', $names, '-1', $ec, 'serverAuth'),
        'client' => $leaf('client', 'ca', 'DNS:client.example', '2', ['-newkey', 'rsa:2048', '-nodes'], 'clientAuth'),
    ];
}

/**
 * Starts a redis-server of the test's own that speaks TLS only, on $port, showing the
 * certificate $certs[$which] and trusting $certs['ca'] for client certificates; $extra e.g.
 * ['--tls-auth-clients', 'yes'] (the default here is 'no'). Returns its process.
 */
function rs_redis_tls_server(int $port, array $certs, string $which = 'server', array $extra = []) {
    [$cert, $key] = $certs[$which];
    $proc = proc_open(['redis-server', '--port', '0', '--tls-port', (string) $port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--tls-cert-file', $cert, '--tls-key-file', $key, '--tls-ca-cert-file', $certs['ca'], '--tls-auth-clients', 'no', ...$extra],
        [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    for ($i = 0; $i < 100; $i++) {
        // Up when it takes a TCP connection (a handshake would need a client certificate
        // when the server asks for one).
        $s = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $errstr, 0.1);
        if ($s) { fclose($s); return $proc; }
        usleep(50000);
    }
    throw new RuntimeException("TLS redis-server on port $port did not start");
}

/**
 * A PHP stream to a TLS redis-server, trusting $certs['ca'] (and showing the client
 * certificate, when given), to look at the store directly. Returns a Resp client.
 */
function rs_redis_tls(int $port, array $certs, bool $client_cert = false): Resp {
    $ssl = ['cafile' => $certs['ca'], 'verify_peer' => true, 'peer_name' => '127.0.0.1'];
    if ($client_cert) { [$ssl['local_cert'], $ssl['local_pk']] = $certs['client']; }
    $s = stream_socket_client("tls://127.0.0.1:$port", $errno, $errstr, 2, STREAM_CLIENT_CONNECT, stream_context_create(['ssl' => $ssl]));
    if (!$s) { throw new RuntimeException("TLS connection to 127.0.0.1:$port: $errstr"); }
    return Resp::over($s);
}
