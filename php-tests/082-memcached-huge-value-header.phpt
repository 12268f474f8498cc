--TEST--
memcached: a broken server announcing a 512 MiB or 1 GiB value and sending 3 bytes costs neither gigabytes of memory nor more than read_timeout (locked and unlocked reads)
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp
rs_capture_warnings();
// The add's reply, then a VALUE header whose length memcached's largest item (-I 1024m) allows.
// (Peak memory only grows: the smaller claim goes first.)
foreach (['0' => ['', 536870912], '1' => ["STORED\r\n", 1073741824]] as $locking => [$first, $len]) {
    [$srv, $port] = rs_garbage_server($first . "VALUE memc.sess.key.x 0 $len 1\r\nabc");
    ini_set('rsession.locking', $locking);
    $rss = getrusage()['ru_maxrss'];
    $t = microtime(true);
    $started = rs_start("memcached://127.0.0.1:$port?read_timeout=0.5", 'abcdefabcdefabcdefabcdef');
    $took = microtime(true) - $t;
    $grew = (getrusage()['ru_maxrss'] - $rss) / 1024;
    echo "locking=$locking: ", json_encode($started), ', within read_timeout: ', json_encode($took < 0.7),
        ', memory grew under 64 MiB: ', json_encode($grew < 64), sprintf(" (%.2fs, %d MiB)\n", $took, $grew);
    rs_warnings();
    rs_kill($srv);
}
?>
--EXPECTF--
locking=0: false, within read_timeout: true, memory grew under 64 MiB: true (%s)
locking=1: false, within read_timeout: true, memory grew under 64 MiB: true (%s)
