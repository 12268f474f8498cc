--TEST--
Bad INI values: a warning naming the setting and its value; no crash
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
foreach ([['rsession.connect_timeout', 'soon'], ['rsession.read_timeout', '-3'], ['rsession.early_refresh', 'maybe'], ['rsession.connect_timeout', '99999']] as [$name, $value]) {
    ini_set($name, $value);
    var_dump(rs_start(rs_path(), 'badini0123456789abcdefg'));
    echo rs_warnings()[0], "\n";
    ini_restore($name);
}
// A lifetime of 0 would expire sessions at once: the write is refused with the reason.
ini_set('session.gc_maxlifetime', '0');
var_dump(rs_start(rs_path()));
$_SESSION['x'] = 1;
var_dump(session_write_close());
echo implode("\n", rs_warnings()), "\n";
?>
--EXPECTF--
bool(false)
session_start(): rsession: rsession.connect_timeout "soon" is not a number of seconds
bool(false)
session_start(): rsession: rsession.read_timeout "-3" must be 0 (default) or a positive number of seconds
bool(false)
session_start(): rsession: rsession.early_refresh "maybe" is not a boolean (use 1/0, on/off)
bool(false)
session_start(): rsession: rsession.connect_timeout 99999 is over 3600 seconds (milliseconds given as seconds?)
bool(true)
bool(true)
session_write_close(): rsession: session.gc_maxlifetime is 0: sessions need a lifetime of at least 1 second
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (%s)
