--TEST--
Redis Sentinel failures each give a warning naming the mode, the node and the cause, and session_start() false in bounded time: unknown service, sentinel_auth wrong or missing, the master's auth wrong, every sentinel silent (SIGSTOP) or down; malformed redis+sentinel:// entries name the bad part, with both passwords masked
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
$set = rs_sentinel_set(['replicas' => 0, 'master_pw' => 'master-pw', 'sentinel_pw' => 'sentinel-pw']);
$hosts = rs_sentinel_hosts($set);
$try = function (string $path, float $limit = 1.0) use ($set) {
    $t = microtime(true);
    $ok = rs_start($path);
    $took = microtime(true) - $t;
    if ($ok) {
        $_SESSION['n'] = 1;
        session_write_close();
    }
    echo $ok ? 'started' : 'refused', $took < $limit ? " in under {$limit}s" : sprintf(' in %.1fs (too long)', $took), "\n";
    foreach (rs_warnings() as $w) {
        if (!str_starts_with($w, 'session_start(): Failed to')) {
            echo "  ", rs_sentinel_neutral($set, $w), "\n";
        }
    }
};

echo "== the right passwords\n";
$try("redis+sentinel://$hosts/rsmaster?auth=master-pw&sentinel_auth=sentinel-pw");
echo "== an unknown service\n";
$try("redis+sentinel://$hosts/nosuch?auth=master-pw&sentinel_auth=sentinel-pw");
echo "== a wrong sentinel_auth\n";
$try("redis+sentinel://$hosts/rsmaster?auth=master-pw&sentinel_auth=wrong");
echo "== no sentinel_auth\n";
$try("redis+sentinel://$hosts/rsmaster?auth=master-pw");
echo "== a wrong master auth\n";
$try("redis+sentinel://$hosts/rsmaster?auth=wrong&sentinel_auth=sentinel-pw");

// Database 1: a pool of its own, which has no master from before to try first.
echo "== every sentinel silent (SIGSTOP), timeout=0.2: about 0.2 s each\n";
foreach ($set['sentinels'] as $port) { rs_sentinel_signal($port, 'STOP'); }
$try("redis+sentinel://$hosts/rsmaster/1?auth=master-pw&sentinel_auth=sentinel-pw&timeout=0.2", 1.5);
foreach ($set['sentinels'] as $port) { rs_sentinel_signal($port, 'CONT'); }
echo "== every sentinel down\n";
foreach ($set['sentinels'] as $port) { rs_sentinel_kill($port); }
$try("redis+sentinel://$hosts/rsmaster/1?auth=master-pw&sentinel_auth=sentinel-pw");
echo "== the pool connected before goes on with the master it has\n";
$try("redis+sentinel://$hosts/rsmaster?auth=master-pw&sentinel_auth=sentinel-pw");

echo "== malformed entries\n";
foreach ([
    'redis+sentinel:///rsmaster',
    'redis+sentinel://a:1,b:x/rsmaster',
    'redis+sentinel://a:1,,b:2/rsmaster',
    'redis+sentinel://a:1,a:1/rsmaster',
    'redis+sentinel://a:1,b:2',
    'redis+sentinel://a:1,b:2/',
    'redis+sentinel://a:1/rsmaster/x?sentinel_auth=s3cret',
    'redis+sentinel://u:pw@a:1/rsmaster',
    'redis+sentinel://a:1/rsmaster?auth=s3cret&sentinel_auth=s3cret&bogus=1',
    'redis+sentinel://a:1/rsmaster?sentinel_auth=',
    'redis+sentinel://a:1/rsmaster?weight=2',
    'redis://a:1?sentinel_auth=s3cret',
    'redis+sentinel://a:1,b:2/rsmaster, redis://c:3',
] as $bad) {
    $try($bad);
}
?>
--EXPECT--
== the right passwords
started in under 1s
== an unknown service
refused in under 1s
  session_start(): rsession: redis sentinel nosuch (127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3): cannot connect: the sentinels know no master named "nosuch" (check the service name)
== a wrong sentinel_auth
refused in under 1s
  session_start(): rsession: redis sentinel rsmaster (127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3): cannot connect: no sentinel answered: sentinel 127.0.0.1:SENTINEL1: sentinel_auth refused: "WRONGPASS": invalid username-password pair or user is disabled.; sentinel 127.0.0.1:SENTINEL2: sentinel_auth refused: "WRONGPASS": invalid username-password pair or user is disabled.; sentinel 127.0.0.1:SENTINEL3: sentinel_auth refused: "WRONGPASS": invalid username-password pair or user is disabled.
== no sentinel_auth
refused in under 1s
  session_start(): rsession: redis sentinel rsmaster (127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3): cannot connect: no sentinel answered: sentinel 127.0.0.1:SENTINEL1: the sentinel needs sentinel_auth: "NOAUTH": Authentication required.; sentinel 127.0.0.1:SENTINEL2: the sentinel needs sentinel_auth: "NOAUTH": Authentication required.; sentinel 127.0.0.1:SENTINEL3: the sentinel needs sentinel_auth: "NOAUTH": Authentication required.
== a wrong master auth
refused in under 1s
  session_start(): rsession: redis sentinel rsmaster (127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3): cannot connect: master 127.0.0.1:MASTER (named by sentinel 127.0.0.1:SENTINEL1): "WRONGPASS": invalid username-password pair or user is disabled. (also named by sentinel 127.0.0.1:SENTINEL2, 127.0.0.1:SENTINEL3)
== every sentinel silent (SIGSTOP), timeout=0.2: about 0.2 s each
refused in under 1.5s
  session_start(): rsession: redis sentinel rsmaster (127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3) db 1: cannot connect: no sentinel answered: sentinel 127.0.0.1:SENTINEL1: no answer within 0.2s (connect timeout); sentinel 127.0.0.1:SENTINEL2: no answer within 0.2s (connect timeout); sentinel 127.0.0.1:SENTINEL3: no answer within 0.2s (connect timeout)
== every sentinel down
refused in under 1s
  session_start(): rsession: redis sentinel rsmaster (127.0.0.1:SENTINEL1,127.0.0.1:SENTINEL2,127.0.0.1:SENTINEL3) db 1: cannot connect: no sentinel answered: sentinel 127.0.0.1:SENTINEL1: Connection refused (os error 111); sentinel 127.0.0.1:SENTINEL2: Connection refused (os error 111); sentinel 127.0.0.1:SENTINEL3: Connection refused (os error 111)
== the pool connected before goes on with the master it has
started in under 1s
== malformed entries
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel:///rsmaster": missing sentinel hosts (expected redis+sentinel://host:port[,host:port...]/service[/db])
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1,b:x/rsmaster": sentinel 2: port "x" is not a number
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1,,b:2/rsmaster": sentinel 2: empty (stray comma?)
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1,a:1/rsmaster": sentinel 2 (a:1) is listed twice
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1,b:2": missing service name after the sentinels (expected redis+sentinel://host:port[,host:port...]/service[/db])
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1,b:2/": missing service name after the sentinels (expected redis+sentinel://host:port[,host:port...]/service[/db])
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1/rsmaster/x?sentinel_auth=***": database in path "x" is not a number
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://u:***@a:1/rsmaster": redis+sentinel:// takes no user:password@: give the master's password as auth= and the sentinels' as sentinel_auth=
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1/rsmaster?auth=***&sentinel_auth=***&bogus=1": unknown parameter "bogus" (known for redis+sentinel: auth, auth[], auth[user], auth[pass], sentinel_auth, database, prefix, timeout, read_timeout, persistent, retry_interval, wait)
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1/rsmaster?sentinel_auth=***": sentinel_auth is empty
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1/rsmaster?weight=2": weight is for several redis:// entries, not for redis+sentinel://
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis://a:1?sentinel_auth=***": parameter "sentinel_auth" is for redis+sentinel:// only
refused in under 1s
  session_start(): rsession: save_path entry 1 "redis+sentinel://a:1,b:2/rsmaster": redis+sentinel:// cannot be combined with other entries: the sentinels name one master, which holds every session