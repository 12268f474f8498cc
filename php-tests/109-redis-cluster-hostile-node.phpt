--TEST--
Redis Cluster: a fake "cluster node" as the only seed (it answers PING, CLUSTER SLOTS with what the test says, and every other command with one fixed reply): a garbage slot map, a map pointing at a dead port, at a port out of range, or at a reversed or out-of-range slot range, MOVED or ASK to itself forever, CLUSTERDOWN forever, a reply that never ends; each session_start() fails within 1 s with a warning naming what went wrong (the dead node's address, the redirect, the timeout), never hangs or crashes
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
require __DIR__ . '/inc/helpers.php';
// transports: tcp (fake nodes on 127.0.0.1)

/** A fake cluster node on a fresh loopback port, for at most 20 s; SELF in a reply is its port. */
function fake_node(string $slots, string $other): array {
    $code = '$s = stream_socket_server("tcp://127.0.0.1:0"); $port = (int) substr(strrchr(stream_socket_get_name($s, false), ":"), 1); echo $port, "\n"; '
        . '$end = microtime(true) + 20; $cs = []; $reply = fn ($b) => str_replace("SELF", (string) $port, base64_decode($b)); '
        . 'while (microtime(true) < $end) { $r = [$s, ...$cs]; $w = $e = null; if (!stream_select($r, $w, $e, 0, 200000)) { continue; } '
        . 'foreach ($r as $x) { if ($x === $s) { $cs[] = stream_socket_accept($s); continue; } $in = fread($x, 65536); '
        . 'if ($in === "" || $in === false) { fclose($x); $cs = array_filter($cs, fn ($y) => $y !== $x); continue; } '
        . 'if (stripos($in, "PING") !== false) { fwrite($x, "+PONG\r\n"); } '
        . 'elseif (stripos($in, "SLOTS") !== false) { fwrite($x, $reply("' . base64_encode($slots) . '")); } '
        . 'else { fwrite($x, $reply("' . base64_encode($other) . '")); } } }';
    $proc = proc_open([PHP_BINARY, '-n', '-r', $code], [1 => ['pipe', 'w']], $pipes);
    return [$proc, (int) trim(fgets($pipes[1]))];
}

rs_capture_warnings();
$dead = rs_free_port();
$map = fn (string $from, string $to, string $port, string $host = "\$9\r\n127.0.0.1\r\n") => "*1\r\n*3\r\n:$from\r\n:$to\r\n*2\r\n$host:$port\r\n";
$cases = [
    'garbage slot map' => ["*1\r\n:5\r\n", "-ERR unused\r\n"],
    'map to a dead port' => [$map('0', '16383', (string) $dead), "-ERR unused\r\n"],
    // The redis crate reads a port past 65535 modulo 65536 (99999 is 34463), where nothing
    // listens here.
    'map to port 99999' => [$map('0', '16383', '99999'), "-ERR unused\r\n"],
    'reversed slot range' => [$map('16383', '0', 'SELF'), "-ERR fake\r\n"],
    'slot range past 16383' => [$map('0', '99999', 'SELF'), "-ERR fake\r\n"],
    'empty host' => [$map('0', '16383', 'SELF', "\$0\r\n\r\n"), "-ERR fake\r\n"],
    'MOVED to itself' => [$map('0', '16383', 'SELF'), "-MOVED 1 127.0.0.1:SELF\r\n"],
    'ASK to itself' => [$map('0', '16383', 'SELF'), "-ASK 1 127.0.0.1:SELF\r\n"],
    'CLUSTERDOWN' => [$map('0', '16383', 'SELF'), "-CLUSTERDOWN The cluster is down\r\n"],
    'a reply that never ends' => [$map('0', '16383', 'SELF'), "\$1000000000\r\nabc"],
];
foreach ($cases as $name => [$slots, $other]) {
    [$proc, $port] = fake_node($slots, $other);
    $t = microtime(true);
    $ok = rs_start("redis+cluster://127.0.0.1:$port?timeout=0.5&read_timeout=0.5", 'hostile' . bin2hex(random_bytes(4)));
    $took = microtime(true) - $t;
    $w = rs_warnings()[0] ?? 'NO WARNING';
    $w = str_replace(["127.0.0.1:$port", "127.0.0.1:$dead"], ['FAKE', 'DEAD'], $w);
    printf("%s: %s, within 1 s: %s\n  %s\n", $name, var_export($ok, true), var_export($took < 1.0, true), $w);
    proc_terminate($proc, 9);
    proc_close($proc);
}
?>
--EXPECT--
garbage slot map: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: no cluster node to send it to: the slot map from the seeds names none that answers (No connections found - ClusterConnectionNotFound)
map to a dead port: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: DEAD: cannot connect: Connection refused (os error 111)
map to port 99999: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: 127.0.0.1:34463: cannot connect: Connection refused (os error 111)
reversed slot range: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: ResponseError: fake
slot range past 16383: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: ResponseError: fake
empty host: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: ResponseError: fake
MOVED to itself: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: Moved: 1 FAKE
ASK to itself: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: Ask: 1 FAKE
CLUSTERDOWN: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: ClusterDown: The cluster is down
a reply that never ends: false, within 1 s: true
  session_start(): rsession: redis cluster FAKE: lock+GET failed: FAKE: no reply within 0.5s (timeout)
