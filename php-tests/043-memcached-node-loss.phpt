--TEST--
memcached: sessions spread over 3 nodes; a dead node loses nothing with replicas=1, only its own share without; no per-request stall after the first failure; a returning node is used again after retry_interval
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.lazy_write=0
rsession.locking=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp tcp6
// (three nodes; the unix transport has one node per save_path)
rs_capture_warnings();
$nodes = [mc_new_address(), mc_new_address(), mc_new_address()];
$servers = array_map('mc_server', $nodes);
$ids = [];
for ($i = 0; $i < 600; $i++) { $ids[] = sprintf('loss%06d', $i) . bin2hex(random_bytes(8)); }
$write_all = function (string $path, string $value) use ($ids): int {
    $ok = 0;
    foreach ($ids as $id) {
        if (rs_start($path, $id)) { $_SESSION['v'] = $value; session_write_close(); $ok++; }
    }
    return $ok;
};
$read_all = function (string $path, string $value) use ($ids): int {
    $ok = 0;
    foreach ($ids as $id) {
        if (rs_start($path, $id)) { $ok += (($_SESSION['v'] ?? null) === $value); session_write_close(); }
    }
    return $ok;
};

// Spread: each node holds 20-50% of 600 sessions.
$plain = mc_path('?retry_interval=1', $nodes);
var_dump($write_all($plain, 'a'));
$share = array_fill(0, 3, 0);
foreach ($ids as $id) { foreach (mc_where($nodes, "memc.sess.key.$id") as $n) { $share[$n]++; } }
echo "spread: ", implode(' ', array_map(fn ($n) => $n >= 120 && $n <= 300 ? 'ok' : "BAD($n)", $share)), "\n";

// Without replicas, node 2 dies: exactly its sessions are lost; the rest still work.
rs_kill($servers[1]);
$kept = $read_all($plain, 'a');
echo $kept === 600 - $share[1] ? "without replicas: only the dead node's sessions are lost\n" : "kept $kept, expected " . (600 - $share[1]) . "\n";
$w = rs_warnings();
echo count($w) > 0 && str_contains($w[0], mc_label($nodes[1]) . ': ') ? "warned about node 2\n" : "warnings: " . json_encode(array_slice($w, 0, 2)) . "\n";

// With replicas=1: every session readable and writable with node 2 dead.
$servers[1] = mc_server($nodes[1]);
usleep(1100000); // past retry_interval
$replicated = mc_path('?replicas=1&retry_interval=1', $nodes);
var_dump($write_all($replicated, 'b'));
$copies = 0;
foreach ($ids as $id) { $copies += count(mc_where($nodes, "memc.sess.key.$id")); }
var_dump($copies);
rs_kill($servers[1]);
rs_warnings();
var_dump($read_all($replicated, 'b'), $write_all($replicated, 'c'), $read_all($replicated, 'c'));
echo "warnings while a replica served: ", count(rs_warnings()), "\n";

// Node 2 returns, empty: after retry_interval it takes writes again, and its sessions are
// found on their replicas meanwhile.
$servers[1] = mc_server($nodes[1]);
usleep(1100000);
var_dump($read_all($replicated, 'c'));
$write_all($replicated, 'd');
$on_node2 = 0;
foreach ($ids as $id) { $on_node2 += in_array(1, mc_where($nodes, "memc.sess.key.$id"), true); }
echo $on_node2 >= $share[1] ? "node 2 used again\n" : "node 2 holds only $on_node2\n";

// A node that accepts and never answers: the first request pays the read timeout, the next ones
// skip the node at once for retry_interval.
rs_kill($servers[1]);
$hole = stream_socket_server("tcp://{$nodes[1]}");
$slow = mc_path('?read_timeout=0.3&retry_interval=30', $nodes);
$times = [];
foreach (array_slice($ids, 0, 60) as $id) {
    $t = microtime(true);
    if (rs_start($slow, $id)) { session_write_close(); }
    $times[] = microtime(true) - $t;
}
rsort($times);
echo $times[0] >= 0.25 && $times[0] < 1.0 ? "one request paid the timeout\n" : "slowest {$times[0]}\n";
echo $times[1] < 0.05 ? "the others did not stall\n" : "second slowest {$times[1]}\n";
$skipped = array_filter(rs_warnings(), fn ($w) => str_contains($w, 'skipped for'));
echo count($skipped) > 0 ? "later requests say the node is skipped\n" : "no skip warnings\n";
foreach ([0, 2] as $i) { rs_kill($servers[$i]); }
?>
--EXPECT--
int(600)
spread: ok ok ok
without replicas: only the dead node's sessions are lost
warned about node 2
int(600)
int(1200)
int(600)
int(600)
int(600)
warnings while a replica served: 0
int(600)
node 2 used again
one request paid the timeout
the others did not stall
later requests say the node is skipped
