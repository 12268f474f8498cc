--TEST--
Payloads are binary-safe: every byte value, NULs and CRLFs survive
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
$bytes = '';
for ($i = 0; $i < 256; $i++) { $bytes .= chr($i); }
$bytes .= "\r\n*1\r\n\$4\r\nPING\r\n\0\0";
rs_start(rs_path());
$id = session_id();
$_SESSION['b'] = $bytes;
session_write_close();
$_SESSION = [];
rs_start(rs_path(), $id);
var_dump($_SESSION['b'] === $bytes);
session_write_close();
$raw = rs_redis()->cmd('GET', 'PHPREDIS_SESSION:' . $id);
var_dump($raw === 'b|s:' . strlen($bytes) . ':"' . $bytes . '";');
?>
--EXPECT--
bool(true)
bool(true)
