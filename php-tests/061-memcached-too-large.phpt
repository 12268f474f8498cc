--TEST--
memcached: a session over the server's item size limit (memcached -I 1m) is refused with a warning naming its size and the limit; the old data is kept, the lock released at once, the connection kept and the node not marked down; without locking the warning says memcached dropped the old copy
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.lazy_write=1
rsession.lock_wait_timeout=2
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$node = mc_new_address();
$server = mc_server($node, ['-I', '1m']);
// A node marked down would stay down for the rest of the test.
$path = mc_path('?retry_interval=60', [$node]);
$neutral = fn (string $text) => mc_neutral($text, $path, [$node]);
$m = new Memc($node);
rs_capture_warnings();
rs_start($path);
$id = session_id();
$_SESSION['data'] = 'old';
session_write_close();
rs_start($path);
$other = session_id();
$_SESSION['data'] = 'other';
session_write_close();
$connections = (int) $m->stats()['total_connections'];

// 1.5 MB of session data, with locking.
rs_start($path, $id);
$_SESSION['data'] = str_repeat('x', 1500000);
session_write_close();
echo $neutral(implode("\n", rs_warnings())), "\n";
// The lock went with the refused write: the next request starts at once, with the old data.
$t = microtime(true);
var_dump(rs_start($path, $id));
$waited = microtime(true) - $t;
echo $waited < 0.2 ? "next request did not wait\n" : "next request waited {$waited}s\n";
var_dump($_SESSION['data']);
session_write_close();
// The node is still in service, on the same connection, for every session on it.
var_dump(rs_start($path, $other), $_SESSION['data']);
$_SESSION['data'] = 'other, updated';
session_write_close();
rs_start($path, $other);
var_dump($_SESSION['data']);
session_write_close();
echo "new connections: ", (int) $m->stats()['total_connections'] - $connections, "\n";
echo "warnings: ", json_encode(rs_warnings()), "\n";

// Without locking the write is a plain set, and memcached drops the stored copy when it
// refuses one: the warning says so.
ini_set('rsession.locking', '0');
rs_start($path, $other);
$_SESSION['data'] = str_repeat('y', 1500000);
session_write_close();
echo $neutral(implode("\n", rs_warnings())), "\n";
var_dump($m->get("memc.sess.key.$other"));
rs_kill($server);
?>
--EXPECTF--
session_write_close(): rsession: memcached NODE: session %s…: not saved: its 1500%d bytes of data are over memcached's item size limit of 1048576 bytes (memcached -I; the limit also counts the key and about 50 bytes of item header); the data stored before is kept
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
bool(true)
next request did not wait
string(3) "old"
bool(true)
string(5) "other"
string(14) "other, updated"
new connections: 0
warnings: []
session_write_close(): rsession: memcached NODE: session %s…: not saved: its 1500%d bytes of data are over memcached's item size limit of 1048576 bytes (memcached -I; the limit also counts the key and about 50 bytes of item header); memcached removed the copy stored before, as it does when it refuses a set
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
NULL
