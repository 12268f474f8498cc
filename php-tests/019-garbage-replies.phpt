--TEST--
Garbage from the server or in the store: a clear warning, false, and the process carries on
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
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
foreach (["garbage\r\n", "\$99999999999\r\nabc", ":x\r\n", "\$5\r\nab", "-ERR something broke\r\n"] as $reply) {
    [$proc, $port] = rs_garbage_server($reply);
    $ok = rs_start("redis://127.0.0.1:$port?read_timeout=0.5", 'garbage0123456789abcdef');
    $w = rs_warnings();
    echo json_encode($ok), ' ', preg_replace('/127\.0\.0\.1:\d+/', 'ADDR', $w[0] ?? 'no warning'), "\n";
    rs_kill($proc);
}
// Garbage in the store: a key of another type under the session's name.
$r = rs_redis();
$id = rs_new_id('wrongtype');
$r->cmd('HSET', "PHPREDIS_SESSION:$id", 'f', 'v');
var_dump(rs_start(rs_path(), $id));
echo str_replace(rs_label(), 'redis ADDR', rs_warnings()[0]), "\n";
// The lock taken in the same round trip is not left behind.
var_dump($r->cmd('EXISTS', "PHPREDIS_SESSION:{$id}_LOCK"));
// Bytes that do not unserialize: PHP's own decoder reports it; nothing crashes.
$id = rs_new_id('undecodable');
$r->cmd('SET', "PHPREDIS_SESSION:$id", "\x00\xff not a session");
var_dump(rs_start(rs_path(), $id));
echo rs_warnings()[0], "\n";
// And the worker is fine.
var_dump(rs_start(rs_path()));
session_write_close();
?>
--EXPECTF--
false session_start(): rsession: redis ADDR: lock+GET failed: Incompatible type - Parse error at 1; Unexpected `97`; Unexpected `103`
false session_start(): rsession: redis ADDR: lock+GET failed: unexpected end of file
false session_start(): rsession: redis ADDR: lock+GET failed: Incompatible type - Parse error at 1; Expected integer, got garbage
false session_start(): rsession: redis ADDR: lock+GET failed: unexpected end of file
false session_start(): rsession: redis ADDR: lock+GET failed: unexpected end of file
bool(false)
session_start(): rsession: redis ADDR: lock+GET failed: "WRONGTYPE": Operation against a key holding the wrong kind of value
int(0)
bool(false)
session_start(): Failed to decode session object. Session has been destroyed
bool(true)
