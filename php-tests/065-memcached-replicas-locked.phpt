--TEST--
memcached with replicas=1 and locking: concurrent increments lose nothing and both copies end equal; a new session, a lazy touch and a destroy reach both copies; the lock is gone after each request
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.lazy_write=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp tcp6
// (replicas need several nodes; the unix transport has one)
$nodes = mc_nodes();
$path = mc_path('?replicas=1');
$copies = function (string $id) use ($nodes): string {
    $values = [];
    foreach (mc_where($nodes, "memc.sess.key.$id") as $i) { $values[] = (new Memc($nodes[$i]))->get("memc.sess.key.$id"); }
    $locks = count(mc_where($nodes, "memc.sess.key.lock.$id"));
    return count($values) . ' copies ' . json_encode(array_values(array_unique($values))) . ", $locks locks";
};
rs_start($path);
$id = session_id();
$_SESSION['n'] = 0;
session_write_close();
echo "new session: ", $copies($id), "\n";
$code = '$path = ' . var_export($path, true) . '; $id = ' . var_export($id, true) . ';'
    . 'for ($i = 0; $i < 10; $i++) {'
    . '  if (!rs_start($path, $id)) { fwrite(STDERR, "start failed\n"); exit(1); }'
    . '  $n = $_SESSION["n"]; usleep(2000); $_SESSION["n"] = $n + 1;'
    . '  if (!session_write_close()) { fwrite(STDERR, "write failed\n"); exit(1); }'
    . '}';
$children = [];
for ($c = 0; $c < 4; $c++) { $children[] = rs_child($code); }
foreach ($children as [$proc, $pipe]) {
    [$said, $exit] = rs_child_end($proc, $pipe);
    if ($exit !== 0 || $said !== '') { echo "child failed ($exit): $said\n"; }
}
echo "after 4 x 10 locked increments: ", $copies($id), "\n";
// Unchanged: a touch of both copies.
foreach ($nodes as $n) { $m = new Memc($n); if ($m->get("memc.sess.key.$id") !== null) { $m->set("memc.sess.key.$id", 'n|i:40;', 100); } }
ini_set('session.gc_maxlifetime', '5000');
rs_start($path, $id);
session_write_close();
$ttls = [];
foreach (mc_where($nodes, "memc.sess.key.$id") as $i) { $ttls[] = (new Memc($nodes[$i]))->ttl("memc.sess.key.$id"); }
echo "touched: ", count(array_filter($ttls, fn ($t) => $t > 4990)), " of ", count($ttls), " copies\n";
rs_start($path, $id);
session_destroy();
echo "destroyed: ", $copies($id), "\n";
?>
--EXPECT--
new session: 2 copies ["n|i:0;"], 0 locks
after 4 x 10 locked increments: 2 copies ["n|i:40;"], 0 locks
touched: 2 of 2 copies
destroyed: 0 copies [], 0 locks
