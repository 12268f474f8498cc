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
foreach ([['rsession.connect_timeout', 'soon'], ['rsession.read_timeout', '-3'], ['rsession.early_refresh', 'maybe'], ['rsession.connect_timeout', '99999'], ['rsession.max_size', '1.5M']] as [$name, $value]) {
    ini_set($name, $value);
    var_dump(rs_start(rs_path(), 'badini0123456789abcdefg'));
    echo rs_warnings()[0], "\n";
    ini_restore($name);
}
// A lifetime of 0 would expire sessions at once: like phpredis, 1440 s instead, with a notice.
ini_set('session.gc_maxlifetime', '0');
var_dump(rs_start(rs_path()));
$_SESSION['x'] = 1;
var_dump(session_write_close());
var_dump(rs_redis()->cmd('TTL', 'PHPREDIS_SESSION:' . session_id()));
ini_restore('session.gc_maxlifetime');
echo implode("\n", rs_warnings()), "\n";
// Timeouts that round to nothing are refused; ones that look like milliseconds work, with a
// notice (once per process).
ini_set('rsession.read_timeout', '0.0000000001');
var_dump(rs_start(rs_path(), 'badini0123456789abcdefg'));
ini_restore('rsession.read_timeout');
var_dump(rs_start(rs_path('?timeout=1e-10'), 'badini0123456789abcdefg'));
echo implode("\n", rs_warnings()), "\n";
for ($i = 0; $i < 2; $i++) {
    var_dump(rs_start(rs_path('?timeout=2500'), 'badini0123456789abcdefg'));
    session_write_close();
}
echo implode("\n", rs_warnings()), "\n";
// Such a notice never breaks session_start(): with display_errors on and nothing buffered, output
// before the session's cookie would (so it is shown when the session closes).
$out = shell_exec(implode(' ', array_map('escapeshellarg', [PHP_BINARY, '-n', '-d', 'extension=' . rs_so(),
    '-d', 'session.save_handler=rsession', '-d', 'session.save_path="' . rs_path('?timeout=500') . '"',
    '-d', 'session.gc_maxlifetime=0', '-d', 'display_errors=1', '-d', 'html_errors=0',
    '-r', 'var_dump(session_start()); $_SESSION["a"] = 1;'])));
echo trim($out), "\n";
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
bool(false)
session_start(): rsession: rsession.max_size "1.5M" is not a size in bytes (e.g. 1048576, 512K, 8M; 0 for no limit)
bool(true)
bool(true)
int(1440)
session_write_close(): rsession: session.gc_maxlifetime is 0: sessions are kept for 1440 seconds instead
bool(false)
bool(false)
session_start(): rsession: rsession.read_timeout "0.0000000001" is below 1 millisecond: use 0 for the default, or at least 0.001
session_start(): Failed to initialize storage module: rsession (path: %s)
session_start(): rsession: save_path entry 1 "%s?timeout=1e-10": timeout "1e-10" is below 1 millisecond: use 0 for the default, or at least 0.001
session_start(): Failed to initialize storage module: rsession (path: %s?timeout=1e-10)
bool(true)
bool(true)
session_write_close(): rsession: save_path timeout is 2500 seconds (42 minutes): timeouts are in seconds; if milliseconds were meant, write 2.5
bool(true)

Notice: PHP Request Shutdown: rsession: save_path timeout is 500 seconds (8 minutes): timeouts are in seconds; if milliseconds were meant, write 0.5; rsession: session.gc_maxlifetime is 0: sessions are kept for 1440 seconds instead in Unknown on line 0
