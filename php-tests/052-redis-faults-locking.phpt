--TEST--
Redis faults under locking (a proxy drops, garbles or withholds replies): a retry recognizes its own lock and its own write; a failed locked read leaves no lock behind; a silent server costs one read_timeout
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
rsession.lock_wait_timeout=2
--FILE--
<?php
// transports: tcp
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$proxy = rs_proxy(rs_port());
$path = 'redis://127.0.0.1:' . $proxy['port'] . '?read_timeout=0.5';
$r = rs_redis();
// The lock's time left, once it is gone or after 1 s: a lock left by a failed call is released
// behind the request (on the same connection, or by the janitor), which does not wait for it.
$lock = function ($id) use ($r) {
    for ($i = 0; $i < 50 && ($left = $r->cmd('PTTL', "PHPREDIS_SESSION:{$id}_LOCK")) !== -2; $i++) {
        usleep(20000);
    }
    return $left;
};
$timed = function (callable $f) { $t = microtime(true); $v = $f(); return [$v, round(microtime(true) - $t, 1)]; };
$id = rs_new_id('fault');

echo "-- a fresh connection dropped after the lock was taken\n";
rs_proxy_arm($proxy, 'drop');
[$ok, $s] = $timed(fn () => rs_start($path, $id));
var_dump($ok, $s < 0.5, $lock($id));
echo implode("\n", rs_warnings()), "\n";

echo "-- a pooled connection dropped after the lock was taken: the retry finds its own lock\n";
rs_start($path, $id); $_SESSION['n'] = 1; session_write_close();
rs_proxy_arm($proxy, 'drop');
[$ok, $s] = $timed(fn () => rs_start($path, $id));
var_dump($ok, $s < 0.5, $_SESSION);

echo "-- the write's reply dropped: the retry finds its own write\n";
$_SESSION['n'] = 2;
rs_proxy_arm($proxy, 'drop');
var_dump(session_write_close(), $r->cmd('GET', "PHPREDIS_SESSION:$id"), $lock($id));
echo implode("\n", rs_warnings()), "\n";

echo "-- garbage instead of the lock's reply: false, and the lock released\n";
rs_proxy_arm($proxy, 'garbage');
[$ok, $s] = $timed(fn () => rs_start($path, $id));
var_dump($ok, $s < 0.5);
usleep(100000);
var_dump($lock($id));
echo implode("\n", rs_warnings()), "\n";

echo "-- a silent server: one read_timeout, and the lock released behind it\n";
rs_proxy_arm($proxy, 'stall');
[$ok, $s] = $timed(fn () => rs_start($path, $id));
var_dump($ok, $s);
usleep(100000);
var_dump($lock($id));
echo implode("\n", rs_warnings()), "\n";
[$ok, $s] = $timed(fn () => rs_start($path, $id));
var_dump($ok, $s < 0.5, $_SESSION);
session_write_close();

rs_proxy_stop($proxy);
$r->cmd('DEL', "PHPREDIS_SESSION:$id");
echo implode("\n", rs_warnings()), "\n";
?>
--EXPECTF--
-- a fresh connection dropped after the lock was taken
bool(false)
bool(true)
int(-2)
session_start(): rsession: redis 127.0.0.1:%d: %s
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d?read_timeout=0.5)
-- a pooled connection dropped after the lock was taken: the retry finds its own lock
bool(true)
bool(true)
array(1) {
  ["n"]=>
  int(1)
}
-- the write's reply dropped: the retry finds its own write
bool(true)
string(6) "n|i:2;"
int(-2)

-- garbage instead of the lock's reply: false, and the lock released
bool(false)
bool(true)
int(-2)
session_start(): rsession: redis 127.0.0.1:%d: %s
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d?read_timeout=0.5)
-- a silent server: one read_timeout, and the lock released behind it
bool(false)
float(0.5)
int(-2)
session_start(): rsession: redis 127.0.0.1:%d: lock+GET failed: no reply within 0.5s (timeout)
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d?read_timeout=0.5)
bool(true)
bool(true)
array(1) {
  ["n"]=>
  int(2)
}

