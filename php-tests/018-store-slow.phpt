--TEST--
A store that accepts but never answers: the read timeout bounds the wait
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
// (a silent TCP listener of its own)
// A listening socket nobody serves: the kernel completes the handshake, no reply ever comes.
$hole = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($hole, false), ':'), 1);
rs_capture_warnings();
$t = microtime(true);
var_dump(rs_start("redis://127.0.0.1:$port?read_timeout=0.3", 'slow0123456789abcdefgh'));
$elapsed = microtime(true) - $t;
var_dump($elapsed >= 0.25 && $elapsed < 1.0);
echo implode("\n", rs_warnings()), "\n";
// The INI default applies when save_path says nothing.
ini_set('rsession.read_timeout', '0.2');
$t = microtime(true);
var_dump(rs_start("redis://127.0.0.1:$port", 'slow0123456789abcdefgh'));
var_dump(microtime(true) - $t < 0.6);
echo rs_warnings()[0], "\n";
?>
--EXPECTF--
bool(false)
bool(true)
session_start(): rsession: redis 127.0.0.1:%d: lock+GET failed: no reply within 0.3s (timeout)
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d?read_timeout=0.3)
bool(false)
bool(true)
session_start(): rsession: redis 127.0.0.1:%d: lock+GET failed: no reply within 0.2s (timeout)
