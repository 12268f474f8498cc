--TEST--
Rolling switch from phpredis: its lock and rsession's are one lock (each waits for the other when it waits at all); a different serialize_handler destroys the session
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
--FILE--
<?php
require __DIR__ . '/inc/peers.php';
$r = rs_redis();
$phpredis = ['session.save_path' => 'tcp://127.0.0.1:' . rs_port(), 'redis.session.locking_enabled' => '1'];
$rsession = ['session.save_path' => rs_path()];
$seed = 'by|a:1:{i:0;s:4:"seed";}';
/** Seeds a session, lets $holder keep it open for 1 s while $visitor comes in, shows the outcome. */
function scene(string $title, string $holder, array $holder_ini, string $visitor, array $visitor_ini): void {
    global $r, $seed;
    echo "== $title\n";
    $id = rs_new_id('switch');
    $r->cmd('SETEX', "PHPREDIS_SESSION:$id", '600', $seed);
    $held = peer_holder($holder, $holder_ini, $id, 1.0);
    $lock = (string) $r->cmd('GET', "PHPREDIS_SESSION:{$id}_LOCK");
    echo "lock value: ", preg_match('/^[0-9a-f]{32}$/', $lock) ? 'rsession token' : (preg_match('/^[^|]+\|\d+$/', $lock) ? 'phpredis host|pid' : "?? $lock"), "\n";
    echo peer_visitor($visitor, $visitor_ini, $id), "\n", peer_end($held), "\n";
    // The php serializer writes "by|<serialized array>".
    $stored = unserialize(substr((string) $r->cmd('GET', "PHPREDIS_SESSION:$id"), strlen('by|')));
    echo "stored: ", json_encode($stored), "; lock left: ", json_encode($r->cmd('EXISTS', "PHPREDIS_SESSION:{$id}_LOCK")), "\n";
}
scene('phpredis (locking on) holds the session, rsession comes in', 'redis', $phpredis, 'rsession', $rsession);
scene('rsession holds it, phpredis with locking on and Debian 5.3.7 defaults comes in', 'rsession', $rsession, 'redis', $phpredis);
scene('rsession holds it, phpredis told to wait (lock_retries=-1, lock_wait_time=20000)', 'rsession', $rsession, 'redis',
    $phpredis + ['redis.session.lock_retries' => '-1', 'redis.session.lock_wait_time' => '20000']);
scene('rsession holds it, phpredis with locking off (its default) comes in', 'rsession', $rsession, 'redis', ['redis.session.locking_enabled' => '0'] + $phpredis);

echo "== phpredis writes with serialize_handler=igbinary, rsession reads with php\n";
$id = rs_new_id('switch');
echo peer_run('redis', $phpredis + ['session.serialize_handler' => 'igbinary'], 'session_id("' . $id . '"); session_start(); $_SESSION["user"] = 42; session_write_close(); echo "written\n";'), "\n";
echo peer_run('rsession', $rsession, 'session_id("' . $id . '"); var_dump(session_start());'), "\n";
echo "stored: ", json_encode($r->cmd('EXISTS', "PHPREDIS_SESSION:$id")), "\n";
?>
--EXPECTF--
== phpredis (locking on) holds the session, rsession comes in
lock value: phpredis host|pid
rsession: start true after waiting, read ["seed","redis"]
visitor done
holder done
stored: ["seed","redis","rsession-visitor"]; lock left: 0
== rsession holds it, phpredis with locking on and Debian 5.3.7 defaults comes in
lock value: rsession token
Notice: session_start(): Acquire of session lock was not successful
redis: start true after no wait, read ["seed"]
Warning: session_write_close(): Failed to write session data (redis). Please verify that the current setting of session.save_path is correct (tcp://127.0.0.1:%d)
visitor done
holder done
stored: ["seed","rsession"]; lock left: 0
== rsession holds it, phpredis told to wait (lock_retries=-1, lock_wait_time=20000)
lock value: rsession token
redis: start true after waiting, read ["seed","rsession"]
visitor done
holder done
stored: ["seed","rsession","redis-visitor"]; lock left: 0
== rsession holds it, phpredis with locking off (its default) comes in
lock value: rsession token
redis: start true after no wait, read ["seed"]
visitor done
holder done
stored: ["seed","rsession"]; lock left: 0
== phpredis writes with serialize_handler=igbinary, rsession reads with php
written
Warning: session_start(): Failed to decode session object. Session has been destroyed
bool(false)
stored: 0
