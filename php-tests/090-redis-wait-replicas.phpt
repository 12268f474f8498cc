--TEST--
Redis wait=N: each session write is followed by WAIT N in the same round trip (still 2 per locked request); with the replica up the write is on it; with the replica stopped (SIGSTOP) the write is kept and a warning says how many replicas confirmed it, within the read timeout; bad values are refused by name
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
rsession.locking=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp (a replica set of the test's own)
rs_capture_warnings();
[$mport, $rport] = [rs_free_port(), rs_free_port()];
// Replication writes the master's snapshot for its replica: in a directory of the test's own.
$dir = rs_env('RSESSION_RUN', dirname(__DIR__) . '/.run') . '/tests/wait-' . getmypid();
@mkdir($dir, 0700, true);
$master = rs_redis_server($mport, ['--dir', $dir, '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
$replica = rs_redis_server($rport, ['--dir', $dir, '--replicaof', '127.0.0.1', (string) $mport]);
$m = new Resp("tcp://127.0.0.1:$mport");
$r = new Resp("tcp://127.0.0.1:$rport");
for ($i = 0; $i < 100 && !str_contains((string) $r->cmd('INFO', 'replication'), 'master_link_status:up'); $i++) { usleep(50000); }
$path = "redis://127.0.0.1:$mport?wait=1&read_timeout=0.5";
$show = fn () => implode("\n", array_map(fn ($w) => str_replace((string) $mport, 'PORT', $w), rs_warnings()));

echo "== the replica is up\n";
rs_start($path);
$id = session_id();
$_SESSION['n'] = 1;
session_write_close();
echo "on the replica: ", $r->cmd('GET', "PHPREDIS_SESSION:$id"), "\n";
echo "round trips (sendto) per locked request: ", rs_sendto_per_request($path, $id), "\n";
rs_start($path, $id);
$_SESSION['n'] = 1;
session_write_close();
ini_set('rsession.locking', '0');
rs_start($path, $id);
$_SESSION['n'] = 2;
session_write_close();
echo "unlocked: on the replica: ", $r->cmd('GET', "PHPREDIS_SESSION:$id"), "\n";
ini_set('rsession.locking', '1');
echo "warnings: ", json_encode(rs_warnings()), "\n";

echo "== the replica is stopped\n";
$pid = proc_get_status($replica)['pid'];
proc_close(proc_open(['kill', '-STOP', (string) $pid], [], $pipes));
foreach (['1', '0'] as $locking) {
    ini_set('rsession.locking', $locking);
    rs_start($path, $id);
    $_SESSION['n']++;
    $t = microtime(true);
    session_write_close();
    printf("locking=%s: write took %s; on the master: %s\n", $locking, microtime(true) - $t < 0.7 ? 'under 0.7 s' : 'too long', $m->cmd('GET', "PHPREDIS_SESSION:$id"));
    echo $show(), "\n";
}
echo "lock left: ", $m->cmd('EXISTS', "PHPREDIS_SESSION:{$id}_LOCK"), "\n";
proc_close(proc_open(['kill', '-CONT', (string) $pid], [], $pipes));
ini_set('rsession.locking', '1');

echo "== wait=2 with one replica\n";
rs_start("redis://127.0.0.1:$mport?wait=2&read_timeout=0.3", $id);
$_SESSION['n']++;
session_write_close();
echo $show(), "\n";

echo "== a WAIT the server refuses (an ACL user without it): the write is kept, with a warning\n";
$m->cmd('ACL', 'SETUSER', 'nowait', 'on', '>nowait-pw', '~*', '+@all', '-wait');
rs_start("redis://127.0.0.1:$mport?wait=1&auth[user]=nowait&auth[pass]=nowait-pw", $id);
$_SESSION['n'] = 10;
session_write_close();
echo "on the master: ", $m->cmd('GET', "PHPREDIS_SESSION:$id"), "\n";
echo $show(), "\n";

echo "== bad values\n";
foreach (["redis://127.0.0.1:$mport?wait=x", mc_path('?wait=1')] as $bad) {
    var_dump(rs_start($bad));
    echo mc_neutral(str_replace((string) $mport, 'PORT', rs_warnings()[0] ?? 'no warning')), "\n";
}
rs_kill($replica);
rs_kill($master);
array_map('unlink', glob("$dir/*") ?: []);
@rmdir($dir);
?>
--EXPECTF--
== the replica is up
on the replica: n|i:1;
round trips (sendto) per locked request: 2
unlocked: on the replica: n|i:2;
warnings: []
== the replica is stopped
locking=1: write took under 0.7 s; on the master: n|i:3;
session_write_close(): rsession: redis 127.0.0.1:PORT: session written, but only 0 of 1 replicas confirmed it within 300ms (wait=1); it may be lost if this server fails now
locking=0: write took under 0.7 s; on the master: n|i:4;
session_write_close(): rsession: redis 127.0.0.1:PORT: session written, but only 0 of 1 replicas confirmed it within 300ms (wait=1); it may be lost if this server fails now
lock left: 0
== wait=2 with one replica
session_write_close(): rsession: redis 127.0.0.1:PORT: session written, but only 1 of 2 replicas confirmed it within 100ms (wait=2); it may be lost if this server fails now
== a WAIT the server refuses (an ACL user without it): the write is kept, with a warning
on the master: n|i:10;
session_write_close(): rsession: redis 127.0.0.1:PORT: session written, but WAIT for wait=1 replicas failed: NoPerm: this user has no permissions to run the 'wait' command
== bad values
bool(false)
session_start(): rsession: save_path entry 1 "redis://127.0.0.1:PORT?wait=x": wait "x" is not a number of replicas (0 to 100)
bool(false)
session_start(): rsession: save_path entry 1 "PATH?wait=1": parameter "wait" is for Redis, not memcached
