--TEST--
Redis Sentinel: a master demoted under a pooled connection (REPLICAOF by hand, which keeps its clients) answers READONLY; the connection is dropped (today's rule keeps a connection after a server's error) and the sentinels asked again, which still name it: the ROLE check refuses it, with a warning that says so. Once the sentinels fail over, the same process goes on with the new master.
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
rsession.locking=1
--FILE--
<?php
require __DIR__ . '/inc/sentinel.php';
// transports: tcp (a Sentinel set of the test's own)
rs_capture_warnings();
$set = rs_sentinel_set(['replicas' => 1]);
[$old, $new] = [$set['master'], $set['replicas'][0]];
$path = 'redis+sentinel://' . rs_sentinel_hosts($set) . "/{$set['service']}?timeout=0.5&read_timeout=0.5";
$show = fn () => implode("\n", array_map(fn ($x) => rs_sentinel_neutral($set, $x), rs_warnings()));

rs_start($path);
$id = session_id();
$_SESSION['n'] = 1;
session_write_close();
echo "written: ", rs_sentinel_resp($old)->cmd('GET', "PHPREDIS_SESSION:$id"), "\n";

echo "== the master made a replica of its replica, by hand\n";
$n = rs_sentinel_resp($new);
$n->cmd('REPLICAOF', 'NO', 'ONE');
$o = rs_sentinel_resp($old);
$o->cmd('REPLICAOF', '127.0.0.1', (string) $new);
for ($i = 0; $i < 100 && !str_contains((string) $o->cmd('INFO', 'replication'), 'master_link_status:up'); $i++) { usleep(50000); }
var_dump(rs_start($path, $id));
echo $show(), "\n";

echo "== the sentinels fail over\n";
rs_sentinel_resp($set['sentinels'][0])->cmd('SENTINEL', 'FAILOVER', $set['service']);
$t = microtime(true);
$ok = false;
while (!$ok && microtime(true) - $t < 15) {
    $ok = rs_start($path, $id);
    if ($ok) {
        $_SESSION['n']++;
        $ok = session_write_close();
    }
    rs_warnings();
    usleep(100000);
}
echo "resumed: ", $ok ? 'yes' : 'no', "\n";
echo "the sentinels name: ", rs_sentinel_neutral($set, (string) rs_sentinel_master($set, $set['sentinels'][0])), "\n";
// The failover closed the test's own connections too.
echo "on the new master: ", rs_sentinel_resp($new)->cmd('GET', "PHPREDIS_SESSION:$id"), "\n";
echo "on the old master, now its replica: ", rs_sentinel_resp($old)->cmd('ROLE')[0], "\n";
echo "warnings: ", $show(), "\n";
?>
--EXPECT--
written: n|i:1;
== the master made a replica of its replica, by hand
bool(false)
session_start(): rsession: redis sentinel rsmaster (127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3): cannot connect: master 127.0.0.1:MASTER (named by sentinel 127.0.0.1:SENTINEL1): is a slave, not the master (demoted, or a failover under way) (also named by sentinel 127.0.0.1:SENTINEL2, 127.0.0.1:SENTINEL3)
session_start(): Failed to read session data: rsession (path: redis+sentinel://127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3/rsmaster?timeout=0.5&read_timeout=0.5)
== the sentinels fail over
resumed: yes
the sentinels name: REPLICA1
on the new master: n|i:2;
on the old master, now its replica: slave
warnings: 
