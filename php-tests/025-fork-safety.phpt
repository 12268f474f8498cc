--TEST--
Fork safety: a forked child opens its own connection, never its parent's; the parent's stays usable
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.gc_maxlifetime=1440
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
if (!function_exists('pcntl_fork')) { echo "pcntl missing: cannot test fork safety\n"; exit(1); }
$r = rs_redis();
$connections = function () use ($r): int {
    preg_match('/total_connections_received:(\d+)/', $r->cmd('INFO', 'stats'), $m);
    return (int) $m[1];
};
// The parent opens its pooled connection (as php-fpm's master would if it served a request).
rs_start(rs_path());
$id = session_id();
$_SESSION['who'] = 'parent';
session_write_close();
$before = $connections();
$pid = pcntl_fork();
if ($pid === 0) {
    // Child: works, on a connection of its own.
    $ok = rs_start(rs_path(), $id);
    $_SESSION['child'] = true;
    $ok = $ok && session_write_close();
    exit($ok ? 0 : 1);
}
pcntl_waitpid($pid, $status);
var_dump(pcntl_wexitstatus($status));
var_dump($connections() - $before);
// Parent: its pooled connection was neither used nor closed by the child.
$mid = $connections();
var_dump(rs_start(rs_path(), $id), $_SESSION);
session_write_close();
var_dump($connections() - $mid);
?>
--EXPECT--
int(0)
int(1)
bool(true)
array(2) {
  ["who"]=>
  string(6) "parent"
  ["child"]=>
  bool(true)
}
int(0)
