--TEST--
memcached lock placement on 3 nodes: by default the lock is where php-memcached puts it, and a session whose lock is on another node than its data costs 4 round trips (one sendto each) per locked request; with lock_node=data the lock is on the data's node and it costs 2; a bad lock_node is refused by name
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp tcp6
// (placement over several nodes: the unix transport has one)
if (trim((string) shell_exec('command -v strace')) === '') {
    echo "strace is not installed (scripts/deps.sh installs it)\n";
    exit(1);
}
$nodes = mc_nodes();
$where = fn (string $key) => mc_where($nodes, $key);

// A session whose php-memcached lock node is not its data's node.
for ($try = 0; $try < 50; $try++) {
    rs_start(mc_path());
    $id = session_id();
    $_SESSION['n'] = 0;
    session_write_close();
    rs_start(mc_path(), $id);
    $apart = $where("memc.sess.key.lock.$id") !== $where("memc.sess.key.$id");
    session_write_close();
    if ($apart) { break; }
}
echo "default: lock apart from the data: ", json_encode($apart), "; sendto per request: ", rs_sendto_per_request(mc_path(), $id), "\n";

rs_start(mc_path('?lock_node=data'), $id);
echo "lock_node=data: lock on the data's node: ", json_encode($where("memc.sess.key.lock.$id") === $where("memc.sess.key.$id")), "\n";
session_write_close();
echo "lock_node=data: sendto per request: ", rs_sendto_per_request(mc_path('?lock_node=data'), $id), "\n";
rs_start(mc_path(), $id);
echo "n after 20 requests: ", $_SESSION['n'], "\n";
session_write_close();

echo "lock left: ", json_encode($where("memc.sess.key.lock.$id")), "\n";
rs_capture_warnings();
var_dump(rs_start(mc_path('?lock_node=own')));
echo mc_neutral(rs_warnings()[0] ?? 'no warning'), "\n";
?>
--EXPECTF--
default: lock apart from the data: true; sendto per request: 4
lock_node=data: lock on the data's node: true
lock_node=data: sendto per request: 2
n after 20 requests: 20
lock left: []
bool(false)
session_start(): rsession: save_path entry 1 "PATH?lock_node=own": lock_node "own" is not php-memcached or data
