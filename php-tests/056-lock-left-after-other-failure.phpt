--TEST--
Locking: a lock the request holds is released even when a later call that does not touch the lock fails (session_reset's re-read, session_create_id's check), and reading a second id through SessionHandler does not orphan the first lock
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
// transports: tcp
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$r = rs_redis();
// The lock's time left, once it is gone or after 1 s: a lock whose holder's store failed is
// released behind the request, which does not wait for it.
$lock = function ($id) use ($r) {
    for ($i = 0; $i < 50 && ($left = $r->cmd('PTTL', "PHPREDIS_SESSION:{$id}_LOCK")) !== -2; $i++) {
        usleep(20000);
    }
    return $left;
};

foreach (['session_reset' => fn () => session_reset(), 'session_create_id' => fn () => session_create_id()] as $name => $call) {
    echo "-- $name fails while the session is locked\n";
    $proxy = rs_proxy(rs_port());
    $path = 'redis://127.0.0.1:' . $proxy['port'] . '?read_timeout=0.5';
    $id = rs_new_id('other');
    var_dump(rs_start($path, $id));
    rs_proxy_arm($proxy, 'stall');
    $call();
    session_write_close();
    // The request is over: its lock must not make the user's next request wait.
    $left = $lock($id);
    echo $left === -2 ? "no lock left\n" : "lock left for {$left} ms\n";
    rs_proxy_stop($proxy);
    $r->cmd('DEL', "PHPREDIS_SESSION:{$id}_LOCK", "PHPREDIS_SESSION:$id");
    rs_warnings();
}

echo "-- a SessionHandler subclass reads a second id before its own\n";
class PeekingHandler extends SessionHandler {
    public string $peek = '';
    public function read($id): string|false {
        parent::read($this->peek);
        return parent::read($id);
    }
}
$h = new PeekingHandler;
$h->peek = rs_new_id('peeked');
$id = rs_new_id('own');
session_set_save_handler($h, false);
var_dump(rs_start(rs_path(), $id));
$_SESSION['n'] = 1;
var_dump(session_write_close());
foreach ([$h->peek, $id] as $locked) {
    $left = $lock($locked);
    echo $left === -2 ? "no lock left\n" : "lock left for {$left} ms\n";
    $r->cmd('DEL', "PHPREDIS_SESSION:{$locked}_LOCK", "PHPREDIS_SESSION:$locked");
}
echo json_encode(rs_warnings()), "\n";
?>
--EXPECT--
-- session_reset fails while the session is locked
bool(true)
no lock left
-- session_create_id fails while the session is locked
bool(true)
no lock left
-- a SessionHandler subclass reads a second id before its own
bool(true)
bool(true)
no lock left
no lock left
[]
