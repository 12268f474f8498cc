--TEST--
Thousands of distinct save_paths (prefix, timeouts) keep a bounded number of connections and threads
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
// transports: tcp
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$count = fn (string $dir) => count(scandir($dir)) - 2;
$connections = function (): int {
    preg_match('/total_connections_received:(\d+)/', rs_redis()->cmd('INFO', 'stats'), $m);
    return (int) $m[1];
};

// Stores that differ only in prefix and timeouts share their server's connection.
$before = $connections();
for ($i = 0; $i < 50; $i++) {
    rs_start(rs_path(sprintf('?prefix=share%d:&read_timeout=%.1f', $i, 1 + $i % 3 / 10)), rs_new_id('share'));
    session_write_close();
}
var_dump($connections() - $before);

// And each keeps its own timeouts on it: the connection one store used is re-timed for the
// next, and a silent server costs each its own read_timeout.
$proxy = rs_proxy(rs_port());
foreach ([['0.6', '0.3'], ['0.3', '0.6']] as [$other, $t]) {
    foreach ([$other, $t] as $timeout) {
        rs_start('redis://127.0.0.1:' . $proxy['port'] . "?read_timeout=$timeout", rs_new_id('timed'));
        session_write_close();
    }
    rs_proxy_arm($proxy, 'stall');
    $t0 = microtime(true);
    @rs_start('redis://127.0.0.1:' . $proxy['port'] . "?read_timeout=$t", rs_new_id('timed'));
    printf("read_timeout=%s: %.1fs\n", $t, microtime(true) - $t0);
}
rs_proxy_stop($proxy);
rs_warnings();
$id = rs_new_id('many');
$paths = [];
for ($i = 0; $i < 2000; $i++) {
    $paths[] = rs_path(sprintf('?prefix=app%d:&timeout=%.2f&read_timeout=%.2f', $i, 1 + $i % 7 / 10, 1 + $i % 5 / 10));
}
for ($i = 0; $i < 1000; $i++) {
    $paths[] = mc_path(sprintf('?prefix=app%d.&timeout=%.2f', $i, 1 + $i % 7 / 10));
}
$ok = 0;
foreach ($paths as $path) {
    if (rs_start($path, $id)) { $ok++; }
    session_write_close();
}
var_dump($ok);
$fds = $count('/proc/self/fd');
$threads = $count('/proc/self/task');
var_dump($fds < 40 ? 'fds bounded' : "fds: $fds", $threads < 12 ? 'threads bounded' : "threads: $threads");
echo implode("\n", array_unique(rs_warnings())), "\n";
?>
--EXPECT--
int(1)
read_timeout=0.3: 0.3s
read_timeout=0.6: 0.6s
int(3000)
string(11) "fds bounded"
string(15) "threads bounded"

