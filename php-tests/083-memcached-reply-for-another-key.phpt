--TEST--
memcached: a reply naming another key (a broken proxy, or a late reply out of step on a pooled connection) is never read as this session's data
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
session.serialize_handler=php
rsession.locking=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp
rs_capture_warnings();

/** A fake memcached: answers the n-th request it reads with $replies[n] (base64 in the code). */
function scripted_server(array $replies) {
    $code = '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1), "\n";'
        . '$replies = array_map("base64_decode", ' . var_export(array_map('base64_encode', $replies), true) . ');'
        . '$c = @stream_socket_accept($s, 10); if (!$c) exit;'
        . 'foreach ($replies as $r) { if (fread($c, 65536) == "") break; foreach (explode("<pause>", $r) as $i => $part) { if ($i) usleep(100000); fwrite($c, $part); } }'
        . 'sleep(2);';
    $proc = proc_open([PHP_BINARY, '-n', '-r', $code], [1 => ['pipe', 'w']], $pipes);
    return [$proc, (int) trim(fgets($pipes[1]))];
}

$a = 'aaaaaaaaaaaaaaaaaaaaaaaaaa';
$b = 'bbbbbbbbbbbbbbbbbbbbbbbbbb';
$c = 'cccccccccccccccccccccccccc';

// 1. The reply names another session's key.
[$srv, $port] = scripted_server(["VALUE memc.sess.key.$b 0 6\r\nn|i:7;\r\nEND\r\n"]);
$ok = rs_start("memcached://127.0.0.1:$port?read_timeout=0.5", $a);
echo "wrong key: B's data read as A's: ", json_encode($ok && ($_SESSION['n'] ?? null) === 7), "\n";
if ($ok) session_abort();
rs_warnings();
rs_kill($srv);

// 2. The server answers session A's get, then sends a second reply nobody asked for (B's
//    item); the next request on the pooled connection, for session C, must not take it as C's.
[$srv, $port] = scripted_server(["END\r\n<pause>VALUE memc.sess.key.$b 0 6\r\nn|i:7;\r\nEND\r\n", "END\r\n"]);
$path = "memcached://127.0.0.1:$port?read_timeout=0.5";
rs_start($path, $a);
session_abort();
usleep(300000);
$ok = rs_start($path, $c);
echo "late reply: B's data read as C's: ", json_encode($ok && ($_SESSION['n'] ?? null) === 7), "\n";
if ($ok) session_abort();
rs_warnings();
rs_kill($srv);
?>
--EXPECT--
wrong key: B's data read as A's: false
late reply: B's data read as C's: false
