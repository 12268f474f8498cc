--TEST--
php-memcached <-> rsession: 500 sessions written by the real php-memcached over 3 nodes are all read by rsession, and the reverse, with ketama and ketama_weighted
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
rsession.locking=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp tcp6
// (placement over three nodes; the unix transport has one node)
$nodes = mc_nodes();
/** Runs $code in a PHP process with php-memcached (from Debian's php8.2-memcached) loaded. */
function php_memcached(string $code, array $ini): string {
    $cmd = [PHP_BINARY, '-n', '-d', 'extension=igbinary.so', '-d', 'extension=msgpack.so', '-d', 'extension=memcached.so',
        '-d', 'session.save_handler=memcached', '-d', 'session.use_cookies=0', '-d', 'session.cache_limiter=', '-d', 'memcached.sess_locking=0'];
    foreach ($ini as $k => $v) { array_push($cmd, '-d', "$k=$v"); }
    array_push($cmd, '-r', 'if (!extension_loaded("memcached")) { echo "php-memcached is not installed"; exit(1); } ' . $code);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    return trim($out);
}
$modes = [
    'ketama' => [implode(',', $nodes), [], mc_path()],
    'ketama_weighted' => [
        "$nodes[0]:1,$nodes[1]:3,$nodes[2]:1",
        ['memcached.sess_consistent_hash_type' => 'ketama_weighted'],
        "memcached://$nodes[0]:1,$nodes[1]:3,$nodes[2]:1?distribution=ketama_weighted",
    ],
];
foreach ($modes as $mode => [$their_path, $their_ini, $our_path]) {
    foreach ($nodes as $n) { (new Memc($n))->flush(); }
    // php-memcached writes 500 sessions...
    $their_ini['session.save_path'] = $their_path;
    echo php_memcached('for ($i = 0; $i < 500; $i++) { session_id(sprintf("theirs%04dx", $i)); session_start(); $_SESSION["i"] = $i; $_SESSION["by"] = "php-memcached"; session_write_close(); } echo "written";', $their_ini), "\n";
    $spread = array_fill(0, 3, 0);
    for ($i = 0; $i < 500; $i++) { foreach (mc_where($nodes, sprintf('memc.sess.key.theirs%04dx', $i)) as $n) { $spread[$n]++; } }
    // ...and rsession reads every one of them.
    $read = 0;
    for ($i = 0; $i < 500; $i++) {
        if (rs_start($our_path, sprintf('theirs%04dx', $i)) && ($_SESSION['i'] ?? -1) === $i && $_SESSION['by'] === 'php-memcached') { $read++; }
        session_write_close();
    }
    echo "$mode: rsession read $read/500 of php-memcached's sessions (spread " . implode('/', $spread) . ")\n";
    // rsession writes 500 sessions, php-memcached reads them back.
    for ($i = 0; $i < 500; $i++) {
        rs_start($our_path, sprintf('ours%04dx', $i));
        $_SESSION['i'] = $i;
        $_SESSION['by'] = 'rsession';
        session_write_close();
    }
    echo "$mode: php-memcached read ", php_memcached('$ok = 0; for ($i = 0; $i < 500; $i++) { session_id(sprintf("ours%04dx", $i)); session_start(); $ok += ($_SESSION["i"] ?? -1) === $i && $_SESSION["by"] === "rsession"; session_write_close(); } echo $ok;', $their_ini), "/500 of rsession's sessions\n";
}
?>
--EXPECTF--
written
ketama: rsession read 500/500 of php-memcached's sessions (spread %d/%d/%d)
ketama: php-memcached read 500/500 of rsession's sessions
written
ketama_weighted: rsession read 500/500 of php-memcached's sessions (spread %d/%d/%d)
ketama_weighted: php-memcached read 500/500 of rsession's sessions
