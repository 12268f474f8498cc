--TEST--
phpredis <-> rsession over several Redis hosts: 1000 sessions written by the real phpredis are all read by rsession (locking on), and the reverse, for weights 1:1, 1:3 and 1:2:3
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
/** Runs $code in a PHP process with phpredis (Debian's php8.2-redis) as the session handler. */
function phpredis(string $code, string $path): string {
    $cmd = [PHP_BINARY, '-n', '-d', 'extension=igbinary.so', '-d', 'extension=msgpack.so', '-d', 'extension=redis.so',
        '-d', 'session.save_handler=redis', '-d', 'session.use_cookies=0',
        '-d', 'session.cache_limiter=', '-d', 'session.use_strict_mode=0'];
    array_push($cmd, '-r', 'if (!extension_loaded("redis")) { echo "phpredis is not installed"; exit(1); } '
        . 'ini_set("session.save_path", ' . var_export($path, true) . '); ' . ID_FN . $code);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    return trim($out);
}
// Ids as varied as PHP's own (placement reads their first 4 bytes), the same in both processes.
const ID_FN = 'function sid(string $tag, int $i): string { return strtr(base64_encode(md5("$tag$i", true)), "+/=", ",-x"); } ';
eval(ID_FN);
$ports = [rs_free_port(), rs_free_port(), rs_free_port()];
$servers = array_map('rs_redis_server', $ports);
$admins = array_map(fn ($p) => new Resp("tcp://127.0.0.1:$p"), $ports);
$configs = [
    '1:1' => "tcp://127.0.0.1:$ports[0]?weight=1, tcp://127.0.0.1:$ports[1]?weight=1",
    '1:3' => "tcp://127.0.0.1:$ports[0]?weight=1, tcp://127.0.0.1:$ports[1]?weight=3",
    // phpredis also separates entries by whitespace alone.
    '1:2:3' => "tcp://127.0.0.1:$ports[0]?weight=1 tcp://127.0.0.1:$ports[1]?weight=2 tcp://127.0.0.1:$ports[2]?weight=3",
];
$spread = function (string $tag) use ($admins): string {
    $n = [];
    foreach ($admins as $a) {
        $keys = $a->cmd('KEYS', "PHPREDIS_SESSION:*");
        $n[] = count(array_filter($keys, fn ($k) => !str_ends_with($k, '_LOCK')));
    }
    $locks = array_sum(array_map(fn ($a) => count($a->cmd('KEYS', '*_LOCK')), $admins));
    return implode('/', $n) . ($locks ? ", $locks locks left" : '');
};
foreach ($configs as $name => $path) {
    foreach ($admins as $a) { $a->cmd('FLUSHALL'); }
    // phpredis writes 1000 sessions...
    echo phpredis('for ($i = 0; $i < 1000; $i++) { session_id(sid("theirs", $i)); session_start(); $_SESSION["i"] = $i; $_SESSION["by"] = "phpredis"; session_write_close(); } echo "written";', $path), "\n";
    echo "$name: phpredis put its sessions ", $spread('theirs'), "\n";
    // ...and rsession, locking each, reads every one of them where phpredis put it.
    $read = 0;
    for ($i = 0; $i < 1000; $i++) {
        if (rs_start($path, sid('theirs', $i)) && ($_SESSION['i'] ?? -1) === $i && $_SESSION['by'] === 'phpredis') { $read++; }
        session_write_close();
    }
    echo "$name: rsession read $read/1000 of phpredis's sessions; now ", $spread('theirs'), "\n";
    foreach ($admins as $a) { $a->cmd('FLUSHALL'); }
    // rsession writes 1000 sessions, phpredis reads them back.
    for ($i = 0; $i < 1000; $i++) {
        rs_start($path, sid('ours', $i));
        $_SESSION['i'] = $i;
        $_SESSION['by'] = 'rsession';
        session_write_close();
    }
    echo "$name: rsession put its sessions ", $spread('ours'), "\n";
    echo "$name: phpredis read ", phpredis('$ok = 0; for ($i = 0; $i < 1000; $i++) { session_id(sid("ours", $i)); session_start(); $ok += ($_SESSION["i"] ?? -1) === $i && $_SESSION["by"] === "rsession"; session_write_close(); } echo $ok;', $path), "/1000 of rsession's sessions\n";
}
array_map('rs_kill', $servers);
?>
--EXPECTF--
written
1:1: phpredis put its sessions %d/%d/0
1:1: rsession read 1000/1000 of phpredis's sessions; now %d/%d/0
1:1: rsession put its sessions %d/%d/0
1:1: phpredis read 1000/1000 of rsession's sessions
written
1:3: phpredis put its sessions %d/%d/0
1:3: rsession read 1000/1000 of phpredis's sessions; now %d/%d/0
1:3: rsession put its sessions %d/%d/0
1:3: phpredis read 1000/1000 of rsession's sessions
written
1:2:3: phpredis put its sessions %d/%d/%d
1:2:3: rsession read 1000/1000 of phpredis's sessions; now %d/%d/%d
1:2:3: rsession put its sessions %d/%d/%d
1:2:3: phpredis read 1000/1000 of rsession's sessions
