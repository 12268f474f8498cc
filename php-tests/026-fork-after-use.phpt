--TEST--
Fork after use: children forked (pcntl_fork) from a process whose connection threads are running start sessions at once, on Redis and memcached, and none crashes
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
if (!function_exists('pcntl_fork')) { echo "pcntl missing: cannot test forks\n"; exit(1); }
$ids = [];
foreach (['redis' => rs_path(), 'memcached' => mc_path()] as $store => $path) {
    rs_start($path);
    $ids[$store] = session_id();
    $_SESSION['n'] = 0;
    session_write_close();
}
$crashed = $failed = 0;
for ($i = 0; $i < 20; $i++) {
    $pid = pcntl_fork();
    if ($pid === 0) {
        $ok = true;
        foreach (['redis' => rs_path(), 'memcached' => mc_path()] as $store => $path) {
            $ok = rs_start($path, $ids[$store]) && $ok;
            $_SESSION['n']++;
            session_write_close();
        }
        exit($ok ? 0 : 1);
    }
    pcntl_waitpid($pid, $status);
    if (pcntl_wifsignaled($status)) {
        $crashed++;
    } elseif (pcntl_wexitstatus($status) !== 0) {
        $failed++;
    }
}
echo "crashed: $crashed, failed: $failed\n";
foreach (['redis' => rs_path(), 'memcached' => mc_path()] as $store => $path) {
    rs_start($path, $ids[$store]);
    echo "$store counter: {$_SESSION['n']}\n";
    session_write_close();
}
// A child must not make the lock tokens its parent makes next (both start from the same state).
// Each process asks Redis on a connection of its own: a shared one would mix their replies.
$token = function (): string {
    rs_start(rs_path());
    $t = (string) (new Resp())->cmd('GET', 'PHPREDIS_SESSION:' . session_id() . '_LOCK');
    session_write_close();
    return $t;
};
$token();
$pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
$pid = pcntl_fork();
if ($pid === 0) {
    fwrite($pair[1], $token());
    // What the parent printed before the fork is in the child's output buffer too.
    while (ob_get_level() > 0) { ob_end_clean(); }
    exit(0);
}
$parent = $token();
pcntl_waitpid($pid, $status);
$child = stream_get_contents($pair[0], 32);
echo "tokens: ", strlen($parent), " and ", strlen($child), " hex digits, ", $parent === $child ? "the same" : "different", "\n";
?>
--EXPECT--
crashed: 0, failed: 0
redis counter: 20
memcached counter: 20
tokens: 32 and 32 hex digits, different
