--TEST--
rsession_stats() on memcached: exact counts, a stalled node's timeout, its skipped state and skipped calls, the slow log naming the node; a forked child counts from zero and its counts stay its own
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.lazy_write=1
rsession.slow_log_ms=200
log_errors=1
display_errors=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
if (!function_exists('pcntl_fork')) { echo "pcntl missing\n"; exit(1); }
$log = tempnam(sys_get_temp_dir(), 'rsslow');
ini_set('error_log', $log);
rs_capture_warnings();
$counts = fn (array $s) => array_filter($s, 'is_int') + array_filter($s['errors']);

// 1. Three sessions, each written then read unchanged, on the shared test nodes.
$path = mc_path();
$before = rsession_stats();
$ids = [];
for ($i = 0; $i < 3; $i++) {
    rs_start($path, $ids[] = rs_new_id('mcstats'));
    $_SESSION['i'] = $i;
    session_write_close();
    rs_start($path, $ids[$i]);
    session_write_close();
}
$after = rsession_stats();
$d = array_map(fn ($k) => $after[$k] - $before[$k], ['reads', 'writes', 'touches', 'lock_acquisitions']);
var_dump($d, array_sum($after['errors']) - array_sum($before['errors']));
var_dump($after['bytes_written'] === 3 * strlen('i|i:0;'), $after['bytes_read'] === 3 * strlen('i|i:0;'));
// Each node the sessions used has one connection and no error.
foreach ($after['nodes'] as $name => $node) {
    if ($node['state'] !== 'unused' && ($node['connections_opened'] !== 1 || $node['errors'] !== 0 || $node['state'] !== 'up')) {
        echo "node $name: ", json_encode($node), "\n";
    }
}

// 2. A node of its own, stopped (SIGSTOP): the first request times out, the slow log names the
// node, the node is skipped for retry_interval, and the next request is a skipped call.
$address = mc_new_address();
$proc = mc_server($address);
$own = mc_path('?read_timeout=0.4&retry_interval=30', [$address]);
rs_start($own, $id = rs_new_id('mcstall'));
session_write_close();
rs_signal($proc, 'STOP');
$before = rsession_stats();
var_dump(rs_start($own, $id));
var_dump(rs_start($own, $id));
$after = rsession_stats();
$node = $after['nodes'][mc_label($address)];
var_dump($after['errors']['timeout'] - $before['errors']['timeout'], $after['errors']['skipped'] - $before['errors']['skipped']);
// The node's own count may also have the background release of the lock the stalled request
// may have taken.
var_dump($node['state'], $node['skipped_until'] > time() + 20, $node['errors'] >= 1);
echo mc_neutral($node['last_error'], $own, [$address]), "\n";
echo mc_neutral(preg_replace('/took \d+ ms/', 'took N ms', preg_replace('/^\[[^\]]+\] /m', '', trim(file_get_contents($log)))), $own, [$address]), "\n";
ob_start();
phpinfo(INFO_MODULES);
preg_match('/^Node ' . preg_quote(mc_label($address), '/') . ' => (.*)$/m', ob_get_clean(), $m);
echo mc_neutral($m[1], $own, [$address]), "\n";
rs_signal($proc, 'CONT');
rs_kill($proc);
rs_warnings();

// 3. A forked child starts from zero, sees no node of its parent's, and counts its own request;
// the parent's counts do not move.
$parent = rsession_stats();
$pid = pcntl_fork();
if ($pid === 0) {
    $s = rsession_stats();
    $zero = array_sum(array_filter($s, 'is_int')) - $s['pid'] === 0 && array_sum($s['errors']) === 0
        && $s['nodes'] === [] && $s['pid'] === getmypid() && $s['since'] >= $parent['since'];
    rs_start($path, $ids[0]);
    session_write_close();
    $s = rsession_stats();
    exit($zero && $s['reads'] === 1 && $s['touches'] === 1 && $s['connections_opened'] >= 1 ? 0 : 1);
}
pcntl_waitpid($pid, $status);
var_dump(pcntl_wexitstatus($status));
$now = rsession_stats();
var_dump($counts($now) == $counts($parent) || json_encode([$counts($now), $counts($parent)]));
unlink($log);
?>
--EXPECTF--
array(4) {
  [0]=>
  int(6)
  [1]=>
  int(3)
  [2]=>
  int(3)
  [3]=>
  int(6)
}
int(0)
bool(true)
bool(true)
bool(false)
bool(false)
int(1)
int(1)
string(7) "skipped"
bool(true)
bool(true)
lock+get failed: no reply within 400ms (read_timeout; waited 0.%ds)
rsession: slow: session mcstall%c…: memcached NODE: lock+get took N ms (rsession.slow_log_ms=200)
skipped for %fs more, 1 connection opened, %d error%A; last error 0s ago: lock+get failed: no reply within 400ms (read_timeout; waited 0.%ds)
int(0)
bool(true)
