--TEST--
rediss:// and tls:// say clearly that TLS is not compiled in
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
// (no store involved)
rs_capture_warnings();
var_dump(rs_start('rediss://user:secret@127.0.0.1:6380'));
echo rs_warnings()[0], "\n";
var_dump(rs_start('tls://127.0.0.1:6380?auth=secret'));
echo rs_warnings()[0], "\n";
?>
--EXPECT--
bool(false)
session_start(): rsession: save_path entry 1 "rediss://user:***@127.0.0.1:6380": TLS (rediss:// or tls://) is not compiled into this build of rsession; use redis:// or a unix socket
bool(false)
session_start(): rsession: save_path entry 1 "tls://127.0.0.1:6380?auth=***": TLS (rediss:// or tls://) is not compiled into this build of rsession; use redis:// or a unix socket
