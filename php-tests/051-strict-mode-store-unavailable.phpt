--TEST--
Strict mode: a store that cannot answer (down, or the lock wait timed out) keeps the user's id; only an unknown id is replaced
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=1
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=1
session.gc_maxlifetime=1440
session.serialize_handler=php
rsession.lock_wait_timeout=0.2
--FILE--
<?php
// transports: tcp
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$id = rs_new_id('strict');
// The id of a cookie PHP set, '' for none: session_id() is empty after a failed start. A new
// id would come with a new cookie, replacing the user's.
function cookie_id(): string {
    $id = '';
    foreach (headers_list() as $h) {
        if (preg_match('/^Set-Cookie: PHPSESSID=([^;]+)/', $h, $m)) { $id = $m[1]; }
    }
    header_remove();
    return $id;
}
rs_redis()->cmd('SET', "PHPREDIS_SESSION:$id", 'n|i:1;');

// Store down: the id is not called unknown, so PHP keeps it (no new id, no new cookie).
var_dump(rs_start('redis://127.0.0.1:' . rs_down_port(), $id));
var_dump(cookie_id());
echo implode("\n", rs_warnings()), "\n";

// Locked by another request past the wait: same.
rs_redis()->cmd('SET', "PHPREDIS_SESSION:{$id}_LOCK", 'someone-else', 'PX', '5000');
var_dump(rs_start(rs_path(), $id));
var_dump(cookie_id());
echo implode("\n", rs_warnings()), "\n";
rs_redis()->cmd('DEL', "PHPREDIS_SESSION:{$id}_LOCK");

// The session is still there, and the user still has it.
var_dump(rs_start(rs_path(), $id), session_id() === $id, $_SESSION);
session_write_close();

// An unknown id is still replaced.
var_dump(rs_start(rs_path(), rs_new_id('unknown')), str_starts_with(session_id(), 'unknown'));
session_write_close();
rs_redis()->cmd('DEL', "PHPREDIS_SESSION:$id", 'PHPREDIS_SESSION:' . session_id());
echo implode("\n", rs_warnings()), "\n";
?>
--EXPECTF--
bool(false)
string(0) ""
session_start(): rsession: redis 127.0.0.1:%d: cannot connect: Connection refused (os error 111)
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d)
bool(false)
string(0) ""
session_start(): rsession: redis 127.0.0.1:%d: session strict%s…: still locked by another request after waiting 0.2s (rsession.lock_wait_timeout)
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d)
bool(true)
bool(true)
array(1) {
  ["n"]=>
  int(1)
}
bool(true)
bool(false)
