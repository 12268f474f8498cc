--TEST--
A mixed fleet of rsession and php-memcached locks together: both take php-memcached's memc.sess.key.lock.<id>, on the node php-memcached puts it (another node than the data's, on 3 nodes), and concurrent increments from both handlers lose nothing, on one node and on three
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
--FILE--
<?php
// transports: tcp (php-memcached's own placement is what is tested)
require __DIR__ . '/inc/peers.php';
$all = mc_nodes();
// php-memcached gives up on a held lock after 5 x 150 ms by default; here it waits as long
// as rsession does, so that every increment gets its turn.
$theirs = fn (array $nodes) => ['session.save_path' => implode(',', $nodes),
    'memcached.sess_lock_retries' => '3000', 'memcached.sess_lock_wait_min' => '2', 'memcached.sess_lock_wait_max' => '10'];
$ours = fn (array $nodes) => ['session.save_path' => mc_path('', $nodes)];

/** n stored in session $id, wherever it is. */
function stored_n(array $nodes, string $id): ?int {
    foreach (mc_where($nodes, "memc.sess.key.$id") as $i) {
        $raw = (new Memc($nodes[$i]))->get("memc.sess.key.$id");
        return preg_match('/^n\|i:(\d+);/', $raw, $m) ? (int) $m[1] : null;
    }
    return null;
}

/** 2 php-memcached and 2 rsession processes, 25 read-pause-write increments each, at once. */
function increments(array $nodes, string $id, callable $theirs, callable $ours): void {
    $code = '$ok = 0; for ($i = 0; $i < 25; $i++) { session_id(' . var_export($id, true) . '); if (!session_start()) { continue; } '
        . '$n = $_SESSION["n"] ?? 0; usleep(3000); $_SESSION["n"] = $n + 1; if (session_write_close()) { $ok++; } } echo "ok $ok\n";';
    $peers = [peer_start('memcached', $theirs($nodes), $code), peer_start('rsession', $ours($nodes), $code),
        peer_start('memcached', $theirs($nodes), $code), peer_start('rsession', $ours($nodes), $code)];
    $ok = 0;
    foreach ($peers as $k => $peer) {
        $said = peer_end($peer);
        if (!preg_match('/^ok (\d+)$/', $said, $m)) { echo "process $k: $said\n"; continue; }
        $ok += (int) $m[1];
    }
    echo "increments that succeeded: $ok; n stored: ", json_encode(stored_n($nodes, $id)), "\n";
}

echo "== one node\n";
$id = rs_new_id('mixed');
increments([$all[0]], $id, $theirs, $ours);
echo "lock left: ", json_encode(mc_where([$all[0]], "memc.sess.key.lock.$id")), "\n";

echo "== three nodes, a session whose lock is on another node than its data\n";
// The lock's node is found while rsession holds it; try ids until one has it elsewhere.
for ($try = 0; $try < 50; $try++) {
    $id = rs_new_id('mixed');
    rs_start(mc_path(), $id);
    $_SESSION['n'] = 0;
    session_write_close();
    rs_start(mc_path(), $id);
    $data_at = mc_where($all, "memc.sess.key.$id");
    $ours_at = mc_where($all, "memc.sess.key.lock.$id");
    session_write_close();
    if ($data_at !== $ours_at) { break; }
}
echo "rsession's lock: on one node, not the data's: ", json_encode(count($ours_at) === 1 && $data_at !== $ours_at), "\n";
$held = peer_holder('memcached', $theirs($all), $id, 0.5);
$theirs_at = mc_where($all, "memc.sess.key.lock.$id");
echo "php-memcached's lock on the same node: ", json_encode($theirs_at === $ours_at), "; holds ", json_encode((new Memc($all[$theirs_at[0]]))->get("memc.sess.key.lock.$id")), "\n";
echo peer_end($held), "\n";
echo "rsession after php-memcached's release: ", json_encode(rs_start(mc_path(), $id)), "\n";
session_write_close();
increments($all, $id, $theirs, $ours);
echo "lock left: ", json_encode(mc_where($all, "memc.sess.key.lock.$id")), "\n";
?>
--EXPECT--
== one node
increments that succeeded: 100; n stored: 100
lock left: []
== three nodes, a session whose lock is on another node than its data
rsession's lock: on one node, not the data's: true
php-memcached's lock on the same node: true; holds "1"
holder done
rsession after php-memcached's release: true
increments that succeeded: 100; n stored: 100
lock left: []
