--TEST--
Fork safety mid-session: a child forked while its parent's session is open writes it over a connection of its own, never the parent's; the parent's write then finds the lock released by the child (a warning, nothing overwritten) and its connection still in step
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
if (!function_exists('pcntl_fork')) { echo "pcntl missing\n"; exit(1); }
rs_capture_warnings();
$r = rs_redis();
$connections = function () use ($r): int {
    preg_match('/total_connections_received:(\d+)/', $r->cmd('INFO', 'stats'), $m);
    return (int) $m[1];
};
rs_start(rs_path(), $id = rs_new_id('forkmid'));
$_SESSION['who'] = 'parent';
session_write_close();

// The parent holds the session's lock when it forks.
rs_start(rs_path(), $id);
$before = $connections();
$pid = pcntl_fork();
if ($pid === 0) {
    $_SESSION['child'] = getmypid();
    $ok = session_write_close();
    exit($ok ? 0 : 1);
}
pcntl_waitpid($pid, $status);
var_dump(pcntl_wexitstatus($status));
echo "connections the child opened: ", $connections() - $before, "\n";
// The child wrote and released the lock: the parent's write is refused, not lost silently.
$_SESSION['parent again'] = true;
var_dump(session_write_close());
echo rs_neutral(implode("\n", rs_warnings())), "\n";
// The parent's pooled connection is in step: the next request reads the child's write on it.
$mid = $connections();
var_dump(rs_start(rs_path(), $id), $_SESSION['child'] === $pid, isset($_SESSION['parent again']));
session_write_close();
echo "connections the parent opened: ", $connections() - $mid, "\n";
?>
--EXPECTF--
int(0)
connections the child opened: 1
bool(true)
session_write_close(): rsession: redis ADDR: session forkmid%s…: not saved: its lock expired (after %s) before this request wrote, so another request may have changed it since; raise rsession.lock_expire
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
bool(true)
bool(true)
bool(false)
connections the parent opened: 0
