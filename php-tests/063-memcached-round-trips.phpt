--TEST--
memcached round trips and system calls per session cycle, counted on both sides: the server's reads of its client sockets (strace of memcached) and the client's sendto/recvfrom (strace of PHP): 2 round trips with locking, 1 + 1 without, one sendto each
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.lazy_write=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
if (trim((string) shell_exec('command -v strace')) === '') {
    echo "strace is not installed (scripts/deps.sh installs it)\n";
    exit(1);
}
$n = 10;
$dir = rs_env('RSESSION_RUN', dirname(__DIR__) . '/.run') . '/tests';
@mkdir($dir, 0700, true);
$trace = "$dir/rt-" . getmypid() . '-' . bin2hex(random_bytes(4));
// One worker thread, and the shutdown command so that the test can stop it. Each read() of a
// client socket that returns data is one round trip as the server sees it: memcached reads
// all that is waiting, and answers a batch before it reads again.
$node = mc_new_address();
$server = mc_server($node, ['-t', '1', '-A'], ['strace', '-ff', '-e', 'trace=read', '-s', '80', '-o', "$trace.server"]);
$path = mc_path('', [$node]);
$modes = [
    'locking on, data changed' => ['1', true, null],
    'locking on, data unchanged' => ['1', false, null],
    'locking off, data changed' => ['0', true, null],
    'locking off, data unchanged' => ['0', false, null],
    // The touch goes with the read: nothing left to send after an unchanged request.
    'same, early_refresh=1' => ['0', false, 'rsession.early_refresh=1'],
];
$ids = [];
foreach ($modes as $mode => [$locking, $change, $extra]) {
    // The session exists before the measured cycles: created here, in 2 round trips.
    $ids[$mode] = $id = 'rt' . count($ids) . bin2hex(random_bytes(10));
    ini_set('rsession.locking', $locking);
    rs_start($path, $id);
    $_SESSION['n'] = 0;
    session_write_close();
    // $n cycles in a PHP process of their own, traced.
    $code = 'ini_set("session.save_path", ' . var_export($path, true) . '); session_id(' . var_export($id, true) . ');'
        . 'for ($i = 0; $i < ' . $n . '; $i++) { session_start(); ' . ($change ? '$_SESSION["n"]++; ' : '') . 'session_write_close(); }';
    $cmd = ['strace', '-f', '-c', '-o', "$trace.client", '-e', 'trace=sendto,sendmsg,write,writev,recvfrom,connect',
        PHP_BINARY, '-n', '-d', 'extension=' . rs_so(), '-d', 'session.save_handler=rsession', '-d', 'session.use_cookies=0',
        '-d', 'session.cache_limiter=', '-d', 'session.lazy_write=1', '-d', "rsession.locking=$locking", '-d', $extra ?? 'rsession.early_refresh=0', '-r', $code];
    $commands = mc_commands_during([$node], function () use ($cmd) {
        proc_close(proc_open($cmd, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes));
    });
    $calls = [];
    foreach (file("$trace.client") as $line) {
        if (preg_match('/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/', $line, $m)) { $calls[$m[2]] = (int) $m[1]; }
    }
    unlink("$trace.client");
    rs_start($path, $id);
    $check = $_SESSION['n'] === ($change ? $n : 0) ? 'data ok' : 'data WRONG: ' . json_encode($_SESSION);
    session_write_close();
    // A reply usually comes in one recvfrom; the server may flush a batch's replies in parts.
    $recv = ($calls['recvfrom'] ?? 0) <= 2 * ($calls['sendto'] ?? 0) ? 'at most 2 per sendto' : ($calls['recvfrom'] / $n) . ' per cycle';
    printf("%-28s client per cycle: sendto %s, write %s, recvfrom %s; connects %d; commands per cycle %s; %s\n", "$mode:",
        ($calls['sendto'] ?? 0) / $n, (($calls['write'] ?? 0) + ($calls['writev'] ?? 0) + ($calls['sendmsg'] ?? 0)) / $n, $recv,
        $calls['connect'] ?? 0, json_encode(array_map(fn ($c) => $c / $n, $commands)), $check);
}
// Stop the server; strace ends with it.
$s = stream_socket_client(str_starts_with($node, '/') ? "unix://$node" : "tcp://$node");
fwrite($s, "shutdown\r\n");
fclose($s);
proc_close($server);
$reads = array_fill_keys(array_keys($modes), 0);
foreach (glob("$trace.server.*") as $file) {
    foreach (file($file) as $line) {
        if (preg_match('/^read\(\d+, "(.*)"\.*, \d+\) = [1-9]/', $line, $m)) {
            foreach ($ids as $mode => $id) { $reads[$mode] += str_contains($m[1], $id); }
        }
    }
    unlink($file);
}
foreach ($reads as $mode => $count) {
    // Less the 2 + 2 round trips of this process, which created the session and checked it.
    printf("%-28s server reads per cycle: %s\n", "$mode:", ($count - 4) / $n);
}
?>
--EXPECT--
locking on, data changed:    client per cycle: sendto 2, write 0, recvfrom at most 2 per sendto; connects 1; commands per cycle {"cmd_get":2,"cmd_set":3}; data ok
locking on, data unchanged:  client per cycle: sendto 2, write 0, recvfrom at most 2 per sendto; connects 1; commands per cycle {"cmd_get":2,"cmd_set":2,"cmd_touch":1}; data ok
locking off, data changed:   client per cycle: sendto 2, write 0, recvfrom at most 2 per sendto; connects 1; commands per cycle {"cmd_get":1,"cmd_set":1}; data ok
locking off, data unchanged: client per cycle: sendto 2, write 0, recvfrom at most 2 per sendto; connects 1; commands per cycle {"cmd_get":1,"cmd_touch":1}; data ok
same, early_refresh=1:       client per cycle: sendto 1, write 0, recvfrom at most 2 per sendto; connects 1; commands per cycle {"cmd_get":1,"cmd_touch":1}; data ok
locking on, data changed:    server reads per cycle: 2
locking on, data unchanged:  server reads per cycle: 2
locking off, data changed:   server reads per cycle: 2
locking off, data unchanged: server reads per cycle: 2
same, early_refresh=1:       server reads per cycle: 1
