--TEST--
rsession.slow_log_ms: a round trip or lock wait longer than it is logged once to PHP's error log (id's first 8 characters, node, operation, time), even under @ and display_errors=0; faster ones and the default (off) log nothing; a bad value is named
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
display_errors=0
log_errors=1
rsession.lock_wait_timeout=5
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$log = tempnam(sys_get_temp_dir(), 'rsslow');
ini_set('error_log', $log);
/** What was logged since the last call, one line per entry, dates and times made neutral. */
function logged(string $log): string {
    static $seen = 0;
    clearstatcache();
    $text = substr((string) file_get_contents($log), $seen);
    $seen += strlen($text);
    $text = preg_replace('/^\[[^\]]+\] /m', '', $text);
    $text = preg_replace('/took \d+ ms/', 'took N ms', $text);
    return rs_neutral(trim($text)) ?: '(nothing)';
}
$pause = fn (int $ms) => rs_redis()->cmd('CLIENT', 'PAUSE', (string) $ms, 'ALL');
$id = rs_new_id('slowlog');

// 1. Off by default: a 300 ms stall logs nothing.
$pause(300);
var_dump(rs_start(rs_path(), $id));
session_write_close();
echo "off: ", logged($log), "\n";

// 2. On: the stalled round trip is logged once, with the id's start, the node and the operation;
// the write after it, fast, is not. '@' and display_errors=0 hide warnings, not this log.
ini_set('rsession.slow_log_ms', '150');
$pause(300);
var_dump(@rs_start(rs_path(), $id));
$_SESSION['n'] = 1;
session_write_close();
echo "on: ", logged($log), "\n";
var_dump(substr($id, 0, 8));

// 3. Under the threshold: nothing.
ini_set('rsession.slow_log_ms', '1000');
$pause(300);
rs_start(rs_path(), $id);
session_write_close();
echo "under: ", logged($log), "\n";

// 4. A lock wait over the threshold is logged as such (the round trips themselves are fast).
ini_set('rsession.slow_log_ms', '200');
[$proc, $pipe] = rs_child(
    'rs_start(' . var_export(rs_path(), true) . ', ' . var_export($id, true) . '); fwrite(STDERR, "locked\n");'
    . 'time_nanosleep(0, 500000000); session_write_close();');
echo rs_child_says($pipe), "\n";
rs_start(rs_path(), $id);
session_write_close();
rs_child_end($proc, $pipe);
echo "lock wait: ", logged($log), "\n";

// 5. A bad value is named, and the session does not start.
ini_set('rsession.slow_log_ms', '0.5');
rs_capture_warnings();
var_dump(rs_start(rs_path(), $id));
echo rs_neutral(implode("\n", rs_warnings())), "\n";
unlink($log);
?>
--EXPECTF--
bool(true)
off: (nothing)
bool(true)
on: rsession: slow: session slowlog%c…: redis ADDR: lock+GET took N ms (rsession.slow_log_ms=150)
string(8) "slowlog%c"
under: (nothing)
locked
lock wait: rsession: slow: session slowlog%c…: redis ADDR: lock wait took N ms (rsession.slow_log_ms=200)
bool(false)
session_start(): rsession: rsession.slow_log_ms "0.5" is not a whole number of milliseconds (0: off)
session_start(): Failed to initialize storage module: rsession (path: PATH)
