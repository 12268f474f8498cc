--TEST--
memcached: round trip, binary-safe data, php-memcached's key prefix, expiry = gc_maxlifetime, prefix parameter, unix socket
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
require __DIR__ . '/inc/helpers.php';
$nodes = mc_nodes();
$bytes = '';
for ($i = 0; $i < 256; $i++) { $bytes .= chr($i); }
ini_set('session.gc_maxlifetime', '1234');
var_dump(rs_start(mc_path()));
$id = session_id();
$_SESSION['b'] = $bytes;
$_SESSION['n'] = 1;
session_write_close();
$_SESSION = [];
var_dump(rs_start(mc_path(), $id), $_SESSION['b'] === $bytes, $_SESSION['n']);
session_write_close();
// Stored once, on one node, under memc.sess.key.<id>, with the session's lifetime.
$where = mc_where($nodes, "memc.sess.key.$id");
var_dump(count($where));
$m = new Memc($nodes[$where[0]]);
var_dump(str_starts_with($m->get("memc.sess.key.$id"), 'b|s:256:'));
$ttl = $m->ttl("memc.sess.key.$id");
var_dump($ttl > 1230 && $ttl <= 1234);
// The lock is gone after close.
var_dump(mc_where($nodes, "memc.sess.key.lock.$id"));
// A prefix of one's own.
rs_start(mc_path('?prefix=app.sess.'));
$id2 = session_id();
$_SESSION['x'] = 2;
session_write_close();
var_dump(count(mc_where($nodes, "app.sess.$id2")), count(mc_where($nodes, "memc.sess.key.$id2")));
// A unix socket.
$sock = mc_socket();
var_dump(rs_start("memcached://$sock"));
$id3 = session_id();
$_SESSION['via'] = 'socket';
session_write_close();
var_dump((new Memc($sock))->get("memc.sess.key.$id3"));
// Lifetimes over 30 days go as absolute times (memcached would read 40 days as a date in 1970).
ini_set('session.gc_maxlifetime', (string) (40 * 86400));
rs_start(mc_path());
$id4 = session_id();
$_SESSION['long'] = 1;
session_write_close();
$ttl = (new Memc($nodes[mc_where($nodes, "memc.sess.key.$id4")[0]]))->ttl("memc.sess.key.$id4");
// An absolute time is read by memcached against its own clock, which runs on the monotonic
// clock since memcached started: the wall clock this machine's VM keeps can drift from it by
// seconds in minutes (seen: the ZTS leg, 10 minutes after the servers started, failed a margin of
// one second). A wrong conversion would be off by decades, or expire at once.
var_dump(abs($ttl - 40 * 86400) <= 60);
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
int(1)
int(1)
bool(true)
bool(true)
array(0) {
}
int(1)
int(0)
bool(true)
string(17) "via|s:6:"socket";"
bool(true)
