--TEST--
Redis Cluster fork safety: after the parent used the cluster (its pooled cluster connection open to every master), 20 pcntl_fork() children each do a locked increment while the parent does one at the same time; none crashes or fails, no reply goes to the wrong process, and the count is 40
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
<?php if (!function_exists('pcntl_fork')) die('skip pcntl missing'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
rsession.locking=1
--FILE--
<?php
require __DIR__ . '/inc/cluster.php';
// transports: tcp (a cluster of the test's own)
$c = new RsCluster(3, 0);
try {
    $path = 'redis+cluster://' . $c->seeds();
    $id = 'fork' . bin2hex(random_bytes(4));
    // Sessions on every master, so the parent's connection reaches each of them.
    for ($i = 0; $i < 12; $i++) {
        rs_start($path, "$id-$i");
        $_SESSION['i'] = $i;
        session_write_close();
    }
    rs_start($path, $id);
    $_SESSION['n'] = 0;
    session_write_close();
    $crashed = $failed = $parentFailed = 0;
    for ($i = 0; $i < 20; $i++) {
        $pid = pcntl_fork();
        if ($pid === 0) {
            $ok = rs_start($path, $id);
            $_SESSION['n']++;
            $ok = session_write_close() && $ok;
            $ok = rs_start($path, "$id-" . ($i % 12)) && ($_SESSION['i'] ?? null) === $i % 12 && $ok;
            session_write_close();
            while (ob_get_level() > 0) { ob_end_clean(); }
            exit($ok ? 0 : 1);
        }
        $ok = rs_start($path, $id);
        $_SESSION['n']++;
        $ok = session_write_close() && $ok;
        $parentFailed += $ok ? 0 : 1;
        pcntl_waitpid($pid, $status);
        if (pcntl_wifsignaled($status)) {
            $crashed++;
        } elseif (pcntl_wexitstatus($status) !== 0) {
            $failed++;
        }
    }
    echo "children crashed: $crashed, failed: $failed; parent failed: $parentFailed\n";
    rs_start($path, $id);
    echo "count: {$_SESSION['n']}\n";
    session_write_close();
} finally {
    $c->stop();
}
?>
--EXPECT--
children crashed: 0, failed: 0; parent failed: 0
count: 40
