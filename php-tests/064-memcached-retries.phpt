--TEST--
memcached: after a pooled connection drops between the server's work and its reply, the one retry on a fresh connection recognizes its own lock (no wait) and its own write (no false "not saved"), for a new session (add) and an existing one (cas)
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
rsession.lock_wait_timeout=2
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$upstream = mc_nodes()[0];
// Batches: 1 lock+get of a new session; 2 its write (dropped), 3 the retry, whose `add` finds
// the session there, 4 a get to see whose it is; 5 the next request's lock+get (dropped), 6 the
// retry; 7 its write (dropped), 8 the retry, whose `cas` finds a newer version, 9 the get.
[$proxy, $via] = mc_dropping_proxy($upstream, [2, 5, 7]);
$path = mc_path('?retry_interval=0', [$via]);
rs_capture_warnings();
rs_start($path);
$id = session_id();
$_SESSION['n'] = 1;
var_dump(session_write_close());
$t = microtime(true);
var_dump(rs_start($path, $id), $_SESSION['n']);
echo microtime(true) - $t < 0.5 ? "the retry found its own lock\n" : "waited for its own lock\n";
$_SESSION['n'] = 2;
var_dump(session_write_close());
echo "warnings: ", json_encode(rs_warnings()), "\n";
$m = new Memc($upstream);
var_dump($m->get("memc.sess.key.$id"), $m->get("memc.sess.key.lock.$id"));
rs_kill($proxy);
?>
--EXPECT--
bool(true)
bool(true)
int(1)
the retry found its own lock
bool(true)
warnings: []
string(6) "n|i:2;"
NULL
