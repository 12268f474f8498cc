--TEST--
Redis refuses a write (OOM under maxmemory): the lock is released at once, the old data kept, the warning names the size and the limit, and the server is not treated as down
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
rsession.lock_wait_timeout=5
--FILE--
<?php
// transports: tcp
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$port = rs_free_port();
$server = rs_redis_server($port);
$r = new Resp("tcp://127.0.0.1:$port");
preg_match('/used_memory:(\d+)/', $r->cmd('INFO', 'memory'), $m);
$r->cmd('CONFIG', 'SET', 'maxmemory', (string) ($m[1] + 2 * 1024 * 1024));
$r->cmd('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
$path = "redis://127.0.0.1:$port";
$id = rs_new_id('oom');

var_dump(rs_start($path, $id));
$_SESSION['small'] = 'kept';
var_dump(session_write_close());

var_dump(rs_start($path, $id));
$_SESSION['big'] = str_repeat('x', 4 * 1024 * 1024);
var_dump(session_write_close());
echo implode("\n", rs_warnings()), "\n";
var_dump($r->cmd('PTTL', "PHPREDIS_SESSION:{$id}_LOCK"), $r->cmd('GET', "PHPREDIS_SESSION:$id"));

// The next request does not wait on a lock left behind (it may still meet the OOM: the
// refused command's buffer counts as used memory until Redis trims it).
$t = microtime(true);
@rs_start($path, $id);
var_dump(microtime(true) - $t < 0.5);
session_write_close();
rs_warnings();
// Once Redis has memory again, the old data is there and other sessions work.
for ($i = 0; $i < 100; $i++) {
    preg_match('/used_memory:(\d+).*maxmemory:(\d+)/s', $r->cmd('INFO', 'memory'), $m);
    if ($m[1] < $m[2]) { break; }
    usleep(100000);
}
var_dump(rs_start($path, $id), $_SESSION);
session_write_close();
var_dump(rs_start($path, rs_new_id('other')));
$_SESSION['n'] = 1;
var_dump(session_write_close());
echo implode("\n", rs_warnings()), "\n";
rs_kill($server);
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
bool(true)
session_write_close(): rsession: redis 127.0.0.1:%d: SET+unlock failed: "OOM": command not allowed when used memory > 'maxmemory'. (a session of %d bytes, not saved; the stored one is kept; maxmemory is %d bytes, %d in use)
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (redis://127.0.0.1:%d)
int(-2)
string(17) "small|s:4:"kept";"
bool(true)
bool(true)
array(1) {
  ["small"]=>
  string(4) "kept"
}
bool(true)
bool(true)

