--TEST--
memcached: lazy_write touches without rewriting, strict mode, regenerate, destroy; commands counted by the servers
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
session.lazy_write=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$nodes = mc_nodes();
// memcached counts keys, not commands, in cmd_get: with locking, one multi-get of the lock and
// the data counts 2. cmd_set counts add and cas too. With locking: add the lock + get lock and
// data, then cas the data (or touch it) + cas the lock away: 2 round trips (counted in 048).
$count = fn (callable $fn) => json_encode(mc_commands_during($nodes, $fn));
foreach (['0', '1'] as $locking) {
    ini_set('rsession.locking', $locking);
    echo "locking=$locking\n";
    $id = null;
    echo 'new session:      ', $count(function () use (&$id) { rs_start(mc_path()); $id = session_id(); $_SESSION['n'] = 1; session_write_close(); }), "\n";
    echo 'read + write:     ', $count(function () use ($id) { rs_start(mc_path(), $id); $_SESSION['n']++; session_write_close(); }), "\n";
    echo 'read + unchanged: ', $count(function () use ($id) { rs_start(mc_path(), $id); session_write_close(); }), "\n";
    $m = new Memc($nodes[mc_where($nodes, "memc.sess.key.$id")[0]]);
    echo "data: ", $m->get("memc.sess.key.$id"), "\n";
}
// Strict mode: an unknown id is refused, a new one issued; a known id is adopted.
ini_set('session.use_strict_mode', '1');
$forged = rs_new_id('forged');
rs_start(mc_path(), $forged);
$issued = session_id();
$_SESSION['who'] = 'new';
session_write_close();
var_dump($issued !== $forged, mc_where($nodes, "memc.sess.key.$forged"), count(mc_where($nodes, "memc.sess.key.$issued")));
rs_start(mc_path(), $issued);
var_dump(session_id() === $issued, $_SESSION['who']);
// regenerate(true) removes the old key; destroy removes the key.
var_dump(session_regenerate_id(true));
$new = session_id();
session_write_close();
var_dump(mc_where($nodes, "memc.sess.key.$issued"), count(mc_where($nodes, "memc.sess.key.$new")));
rs_start(mc_path(), $new);
var_dump(session_destroy(), mc_where($nodes, "memc.sess.key.$new"));
?>
--EXPECT--
locking=0
new session:      {"cmd_get":1,"cmd_set":1}
read + write:     {"cmd_get":1,"cmd_set":1}
read + unchanged: {"cmd_get":1,"cmd_touch":1}
data: n|i:2;
locking=1
new session:      {"cmd_get":2,"cmd_set":3}
read + write:     {"cmd_get":2,"cmd_set":3}
read + unchanged: {"cmd_get":2,"cmd_set":2,"cmd_touch":1}
data: n|i:2;
bool(true)
array(0) {
}
int(1)
bool(true)
string(3) "new"
bool(true)
array(0) {
}
int(1)
bool(true)
array(0) {
}
