--TEST--
A reply that trickles in or never ends is bounded by read_timeout for the whole round trip, not per recv()
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
session.gc_maxlifetime=1440
session.serialize_handler=php
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();

/**
 * A fake "Redis" in a child process: answers each command by sending $head, then $chunk every
 * $pause seconds, for at most $for seconds, then closes. Returns [process, port].
 */
function slow_server(string $head, string $chunk, float $pause, float $for) {
    $code = '[, $h, $c, $p, $f] = $argv; $h = base64_decode($h); $c = base64_decode($c);'
        . '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1), "\n";'
        . '$end = microtime(true) + 20; while (microtime(true) < $end && ($k = @stream_socket_accept($s, 1))) {'
        . ' fread($k, 65536); @fwrite($k, $h); $stop = microtime(true) + (float) $f;'
        . ' while (microtime(true) < $stop) { if (@fwrite($k, $c) === false) break; if ($p > 0) usleep((int) ($p * 1e6)); }'
        . ' fclose($k); }';
    $proc = proc_open([PHP_BINARY, '-n', '-r', $code, '--', base64_encode($head), base64_encode($chunk), (string) $pause, (string) $for],
        [1 => ['pipe', 'w']], $pipes);
    return [$proc, (int) trim(fgets($pipes[1]))];
}

echo "-- a valid reply, one byte per 50 ms, for up to 3 s: read_timeout=0.5 bounds the wait\n";
[$proc, $port] = slow_server('', '+', 0.05, 3.0);
$t = microtime(true);
$ok = rs_start("redis://127.0.0.1:$port?read_timeout=0.5", 'trickle0123456789abcdef');
$took = microtime(true) - $t;
var_dump($ok);
echo $took < 1.5 ? "bounded\n" : sprintf("took %.1fs with read_timeout=0.5\n", $took);
rs_kill($proc);
rs_warnings();

echo "-- a status line that never ends, 64 KB per chunk, for up to 3 s\n";
[$proc, $port] = slow_server('+', str_repeat('A', 65536), 0, 3.0);
$t = microtime(true);
$ok = rs_start("redis://127.0.0.1:$port?read_timeout=0.5", 'endless0123456789abcdef');
$took = microtime(true) - $t;
var_dump($ok);
echo $took < 1.5 ? "bounded\n" : sprintf("took %.1fs with read_timeout=0.5\n", $took);
rs_kill($proc);
rs_warnings();
?>
--EXPECT--
-- a valid reply, one byte per 50 ms, for up to 3 s: read_timeout=0.5 bounds the wait
bool(false)
bounded
-- a status line that never ends, 64 KB per chunk, for up to 3 s
bool(false)
bounded
