--TEST--
memcached: a broken server that answers a get with VALUE items without end (never END) holds a bounded amount of memory: a get of one or two keys has at most two items
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp
rs_capture_warnings();

/** A fake memcached that answers with $head, then 1 KiB VALUE items for ever (15 s at most). */
function flooding_server(string $head) {
    $code = '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1), "\n";'
        . '$item = str_repeat("VALUE memc.sess.key.abcdefabcdefabcdefabcdef 0 1000 1\r\n" . str_repeat("y", 1000) . "\r\n", 100);'
        . '$end = microtime(true) + 15; while (microtime(true) < $end && ($c = @stream_socket_accept($s, 1))) { fread($c, 65536); fwrite($c, ' . var_export($head, true) . ');'
        . ' while (microtime(true) < $end && @fwrite($c, $item) > 0); fclose($c); }';
    $proc = proc_open([PHP_BINARY, '-n', '-r', $code], [1 => ['pipe', 'w']], $pipes);
    return [$proc, (int) trim(fgets($pipes[1]))];
}

foreach (['0' => '', '1' => "STORED\r\n"] as $locking => $head) {
    [$srv, $port] = flooding_server($head);
    ini_set('rsession.locking', $locking);
    $rss = getrusage()['ru_maxrss'];
    $t = microtime(true);
    $started = rs_start("memcached://127.0.0.1:$port?read_timeout=1", 'abcdefabcdefabcdefabcdef');
    $grew = (getrusage()['ru_maxrss'] - $rss) / 1024;
    echo "locking=$locking: ", json_encode($started), ', memory grew under 64 MiB: ', json_encode($grew < 64),
        sprintf(" (%.2fs, %d MiB)\n", microtime(true) - $t, $grew);
    rs_warnings();
    rs_kill($srv);
}
?>
--EXPECTF--
locking=0: false, memory grew under 64 MiB: true (%s)
locking=1: false, memory grew under 64 MiB: true (%s)
