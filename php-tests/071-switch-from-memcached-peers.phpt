--TEST--
Rolling switch from php-memcached and pecl memcache: sessions and php-memcached's locks are shared, pecl memcache's locks are not; pecl memcache needs prefix= and one node (or replicas), and compresses big sessions out of rsession's reach
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
--FILE--
<?php
// transports: tcp (the peers' own placement and keys are what is tested)
require __DIR__ . '/inc/peers.php';
$nodes = mc_nodes();
$node = $nodes[0];
$m = new Memc($node);
$seed = 'by|a:1:{i:0;s:4:"seed";}';
/** $key's value as memcached holds it: its flags, and the php-serialized "by" list decoded. */
function stored(Memc $m, string $key): string {
    $raw = $m->get($key);
    return $raw === null ? 'nothing' : json_encode(@unserialize(substr($raw, strlen('by|'))));
}

echo "== php-memcached (locking on, its default) holds the session, rsession comes in\n";
// php-memcached gives up on a held lock after 5 x 150 ms by default; 20 tries wait 3 s.
$php_memcached = ['session.save_path' => $node, 'memcached.sess_lock_retries' => '20'];
$rsession = ['session.save_path' => "memcached://$node"];
$id = rs_new_id('switch');
$m->set("memc.sess.key.$id", $seed, 600);
$held = peer_holder('memcached', $php_memcached, $id, 1.0);
echo "php-memcached's lock: memc.sess.key.lock.<id> = ", json_encode($m->get("memc.sess.key.lock.$id")), "\n";
echo peer_visitor('rsession', $rsession, $id), "\n", peer_end($held), "\n";
echo "stored: ", stored($m, "memc.sess.key.$id"), "\n";

echo "== rsession holds it, php-memcached comes in\n";
$id = rs_new_id('switch');
$m->set("memc.sess.key.$id", $seed, 600);
$held = peer_holder('rsession', $rsession, $id, 1.0);
echo "rsession's lock: memc.sess.key.lock.<id> holds a token: ", json_encode(preg_match('/^[0-9a-f]{32}$/', (string) $m->get("memc.sess.key.lock.$id")) === 1), "\n";
echo peer_visitor('memcached', $php_memcached, $id), "\n", peer_end($held), "\n";
echo "stored: ", stored($m, "memc.sess.key.$id"), "\n";

echo "== a 30000-byte session from php-memcached\n";
$id = rs_new_id('switch');
echo peer_run('memcached', $php_memcached, 'session_id("' . $id . '"); session_start(); $_SESSION["big"] = str_repeat("x", 30000); session_write_close(); echo "written\n";'), "\n";
echo peer_run('rsession', $rsession, 'session_id("' . $id . '"); session_start(); echo "rsession read ", strlen($_SESSION["big"] ?? ""), " bytes\n";'), "\n";

echo "== pecl memcache, one node: its keys are the bare id, so rsession needs prefix=\n";
$pecl = ['session.save_path' => "tcp://$node"];
$rsession_bare = ['session.save_path' => "memcached://$node?prefix="];
$id = rs_new_id('switch');
$write = fn (string $size) => 'session_id("' . $id . '"); session_start(); $_SESSION["n"] = 1; $_SESSION["pad"] = str_repeat("x", ' . $size . '); session_write_close(); echo "written\n";';
$bump = 'session_id("' . $id . '"); if (session_start()) { echo ini_get("session.save_handler"), " read n=", json_encode($_SESSION["n"] ?? null), "\n"; $_SESSION["n"]++; session_write_close(); }';
echo peer_run('memcache', $pecl, $write('10')), "\n";
echo "keys: ", json_encode([$id => $m->get($id) !== null, "$id.lock" => $m->get("$id.lock") !== null]), "\n";
echo peer_run('rsession', $rsession_bare, $bump), "\n", peer_run('memcache', $pecl, $bump), "\n";
echo "-- 30000 bytes: pecl memcache compresses it (memcache.compress_threshold=20000)\n";
echo peer_run('memcache', $pecl, $write('30000')), "\n", peer_run('rsession', $rsession_bare, $bump), "\n";
echo "-- the same with memcache.compress_threshold=0\n";
echo peer_run('memcache', $pecl + ['memcache.compress_threshold' => '0'], $write('30000')), "\n", peer_run('rsession', $rsession_bare, $bump), "\n";

echo "== pecl memcache on 3 nodes (2 copies of each session: memcache.session_redundancy=2)\n";
$tag = bin2hex(random_bytes(4));
$pecl3 = ['session.save_path' => implode(', ', array_map(fn ($n) => "tcp://$n", $nodes))];
$each = fn (string $body) => 'for ($i = 0; $i < 300; $i++) { session_id(sprintf("pecl%04dx' . $tag . '", $i)); ' . $body . ' }';
echo peer_run('memcache', $pecl3, $each('session_start(); $_SESSION["v"] = "old"; session_write_close();') . ' echo "pecl wrote 300\n";'), "\n";
$count_old = $each('if (@session_start() && ($_SESSION["v"] ?? "") === "old") { $n++; } session_abort();');
$plain = peer_run('rsession', ['session.save_path' => mc_path('?prefix=')], '$n = 0; ' . $count_old . ' echo $n;');
$replicas = peer_run('rsession', ['session.save_path' => mc_path('?prefix=&replicas=1')], '$n = 0; ' . $count_old . ' echo $n;');
echo "rsession prefix= found fewer than all: ", json_encode((int) $plain < 300 && (int) $plain > 0), "\n";
echo "rsession prefix=&replicas=1 found $replicas/300\n";
peer_run('rsession', ['session.save_path' => mc_path('?prefix=&replicas=1')], $each('session_start(); $_SESSION["v"] = "new"; session_write_close();'));
$seen = json_decode(peer_run('memcache', $pecl3, '$n = ["old" => 0, "new" => 0]; ' . $each('session_start(); $n[$_SESSION["v"]]++; session_abort();') . ' echo json_encode($n);'), true);
echo "after rsession wrote v=new, pecl memcache still reads some v=old: ", json_encode($seen['old'] > 0 && $seen['old'] + $seen['new'] === 300), "\n";
?>
--EXPECTF--
== php-memcached (locking on, its default) holds the session, rsession comes in
php-memcached's lock: memc.sess.key.lock.<id> = "1"
rsession: start true after waiting, read ["seed","memcached"]
visitor done
holder done
stored: ["seed","memcached","rsession-visitor"]
== rsession holds it, php-memcached comes in
rsession's lock: memc.sess.key.lock.<id> holds a token: true
memcached: start true after waiting, read ["seed","rsession"]
visitor done
holder done
stored: ["seed","rsession","memcached-visitor"]
== a 30000-byte session from php-memcached
written
rsession read 30000 bytes
== pecl memcache, one node: its keys are the bare id, so rsession needs prefix=
written
keys: {"switch%s":true,"switch%s.lock":true}
rsession read n=1
memcache read n=2
-- 30000 bytes: pecl memcache compresses it (memcache.compress_threshold=20000)
written
Warning: session_start(): Failed to decode session object. Session has been destroyed
-- the same with memcache.compress_threshold=0
written
rsession read n=1
== pecl memcache on 3 nodes (2 copies of each session: memcache.session_redundancy=2)
pecl wrote 300
rsession prefix= found fewer than all: true
rsession prefix=&replicas=1 found 300/300
after rsession wrote v=new, pecl memcache still reads some v=old: true
