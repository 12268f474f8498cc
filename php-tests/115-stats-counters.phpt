--TEST--
rsession_stats(): exact counts after a known sequence of requests on Redis (reads, writes, touches, destroys, locks, bytes, connections, errors by kind and node)
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.lazy_write=1
session.serialize_handler=php
rsession.lock_wait_timeout=5
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();

/** The counters that changed since $before, as "name=delta" pairs (errors by kind inlined). */
function changed(array $before, array $after): string {
    $flat = fn (array $s) => array_filter(
        ['lock_wait_seconds' => null] + $s + array_combine(
            array_map(fn ($k) => "errors.$k", array_keys($s['errors'])),
            $s['errors']
        ),
        fn ($v) => is_int($v)
    );
    $b = $flat($before);
    $out = [];
    foreach ($flat($after) as $k => $v) {
        if ($k !== 'pid' && $v !== $b[$k]) {
            $out[] = "$k=" . ($v - $b[$k]);
        }
    }
    return implode(' ', $out) ?: '(nothing)';
}

$s = rsession_stats();
echo "fresh: ", changed(array_map(fn ($v) => is_array($v) ? array_map(fn () => 0, $v) : 0, $s), $s), "\n";
var_dump($s['pid'] === getmypid(), abs($s['since'] - time()) < 60, $s['nodes']);

// 1. Five new sessions written: 5 reads of nothing, 5 locks, 5 writes, one connection.
$ids = [];
$bytes = 0;
$before = rsession_stats();
for ($i = 0; $i < 5; $i++) {
    $ids[] = $id = rs_new_id('stats');
    rs_start(rs_path(), $id);
    $_SESSION['n'] = str_repeat('x', $i);
    $bytes += strlen(session_encode());
    session_write_close();
}
$after = rsession_stats();
echo "5 written: ", changed($before, $after), "\n";
var_dump($after['bytes_written'] - $before['bytes_written'] === $bytes);

// 2. Read again, unchanged (lazy_write): 5 reads of those bytes, 5 touches, no write.
$before = $after;
foreach ($ids as $id) {
    rs_start(rs_path(), $id);
    session_write_close();
}
$after = rsession_stats();
echo "5 unchanged: ", changed($before, $after), "\n";
var_dump($after['bytes_read'] - $before['bytes_read'] === $bytes);

// 3. Two destroyed.
$before = $after;
foreach (array_slice($ids, 0, 2) as $id) {
    rs_start(rs_path(), $id);
    session_destroy();
}
echo "2 destroyed: ", changed($before, rsession_stats()), "\n";

// 4. A lock held by another process for 0.5 s: one wait, counted with its time.
$holder = fn (float $hold) => rs_child(
    'rs_start(' . var_export(rs_path(), true) . ', ' . var_export($ids[4], true) . '); fwrite(STDERR, "locked\n");'
    . 'time_nanosleep(0, 0); time_nanosleep((int) ' . $hold . ', ' . (int) (fmod($hold, 1) * 1e9) . '); session_write_close();');
[$proc, $pipe] = $holder(0.5);
echo rs_child_says($pipe), "\n";
$before = rsession_stats();
rs_start(rs_path(), $ids[4]);
session_write_close();
$after = rsession_stats();
rs_child_end($proc, $pipe);
echo "waited: ", changed($before, $after), "\n";
$waited = $after['lock_wait_seconds'] - $before['lock_wait_seconds'];
echo $waited > 0.3 && $waited < 1.5 ? "wait time counted\n" : "wait time $waited\n";

// 5. The wait runs out: a lock timeout.
ini_set('rsession.lock_wait_timeout', '0.2');
[$proc, $pipe] = $holder(1.0);
echo rs_child_says($pipe), "\n";
$before = rsession_stats();
var_dump(rs_start(rs_path(), $ids[4]));
echo "timed out: ", changed($before, rsession_stats()), "\n";
rs_child_end($proc, $pipe);
ini_set('rsession.lock_wait_timeout', '5');

// 6. The lock vanishes while the request holds it (as if it expired): the write is refused.
rs_start(rs_path(), $ids[3]);
rs_redis()->cmd('DEL', "PHPREDIS_SESSION:{$ids[3]}_LOCK");
$_SESSION['n'] = 'changed';
$before = rsession_stats();
session_write_close();
echo "lock lost: ", changed($before, rsession_stats()), "\n";

// 7. Over rsession.max_size: refused.
ini_set('rsession.max_size', '100');
rs_start(rs_path(), $ids[2]);
$_SESSION['n'] = str_repeat('y', 200);
$before = rsession_stats();
session_write_close();
echo "too large: ", changed($before, rsession_stats()), "\n";
ini_set('rsession.max_size', '0');

// 8. A stored value rsession cannot read: read as empty, counted as unreadable.
$bad = rs_new_id('stats');
rs_redis()->cmd('SET', "PHPREDIS_SESSION:$bad", "\0RSCgarbage");
$before = rsession_stats();
rs_start(rs_path(), $bad);
session_abort();
echo "unreadable: ", changed($before, rsession_stats()), "\n";

// 9. A server that is down: each request fails to connect, counted against its node.
$down = 'redis://127.0.0.1:' . rs_down_port();
$before = rsession_stats();
var_dump(rs_start($down), rs_start($down));
$after = rsession_stats();
echo "down: ", changed($before, $after), "\n";
$node = $after['nodes']['redis 127.0.0.1:' . rs_down_port()];
// The node's own count also has the background release of the lock the failed request may
// have taken (it retries until the lock would have expired), so it is at least 2.
var_dump($node['state'], $node['errors'] >= 2, $node['connections_opened'], $node['skipped_until']);
echo str_contains($node["last_error"], "cannot connect: Connection refused") ? "last error named" : $node["last_error"], "\n";
var_dump(abs($node['last_error_at'] - time()) < 5);

// 10. The working server's node: up, one connection all along, no errors.
$node = $after['nodes'][rs_label()];
var_dump($node['state'], $node['errors'], $node['connections_opened'], $node['last_error']);
rs_warnings();

// 11. phpinfo shows both nodes' states.
ini_set('session.save_path', rs_path());
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
preg_match_all('/^Node (.*)$/m', $info, $m);
$lines = array_map('rs_neutral', $m[1]);
sort($lines);
echo implode("\n", $lines), "\n";
try {
    rsession_stats(1);
} catch (ArgumentCountError $e) {
    echo $e->getMessage(), "\n";
}
?>
--EXPECTF--
fresh: (nothing)
bool(true)
bool(true)
array(0) {
}
5 written: reads=5 writes=5 lock_acquisitions=5 bytes_written=%d connections_opened=1
bool(true)
5 unchanged: reads=5 touches=5 lock_acquisitions=5 bytes_read=%d
bool(true)
2 destroyed: reads=2 destroys=2 lock_acquisitions=2 bytes_read=%d
locked
waited: reads=1 touches=1 lock_acquisitions=1 lock_waits=1 bytes_read=%d
wait time counted
locked
bool(false)
timed out: lock_waits=1 lock_timeouts=1
lock lost: locks_lost=1
too large: errors.refused=1
unreadable: reads=1 lock_acquisitions=1 bytes_read=11 errors.unreadable=1
bool(false)
bool(false)
down: errors.connect=2
string(7) "failing"
bool(true)
int(0)
NULL
last error named
bool(true)
string(2) "up"
int(0)
int(1)
NULL
redis 127.0.0.1:%d => failing, 0 connections opened, %d errors; last error %ds ago: cannot connect: Connection refused (os error 111)
redis ADDR => up, 1 connection opened, 0 errors
rsession_stats() expects exactly 0 arguments, 1 given
