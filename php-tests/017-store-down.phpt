--TEST--
A store that refuses connections: a warning naming backend, address and cause; session_start() false at once; no Error thrown
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
// transports: tcp
// (a refused TCP port; memcached refusals are tested on every transport in 047)
$down = 'redis://127.0.0.1:' . rs_down_port();
rs_capture_warnings();
foreach ([null, 'existing0123456789abcd'] as $id) {
    $t = microtime(true);
    $ok = rs_start($down, $id);
    $elapsed = microtime(true) - $t;
    var_dump($ok, $elapsed < 2.0);
    echo implode("\n", rs_warnings()), "\n";
}
// Strict mode goes through validate_sid first: still one warning, still false.
ini_set('session.use_strict_mode', '1');
var_dump(rs_start($down, 'existing0123456789abcd'));
echo implode("\n", rs_warnings()), "\n";
// The same process carries on with a working store.
var_dump(rs_start(rs_path()));
session_write_close();
?>
--EXPECTF--
bool(false)
bool(true)
session_start(): rsession: redis 127.0.0.1:%d: cannot connect: Connection refused (os error 111)
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d)
bool(false)
bool(true)
session_start(): rsession: redis 127.0.0.1:%d: cannot connect: Connection refused (os error 111)
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d)
bool(false)
session_start(): rsession: redis 127.0.0.1:%d: cannot connect: Connection refused (os error 111)
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d)
bool(true)
