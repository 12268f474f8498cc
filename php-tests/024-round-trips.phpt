--TEST--
Round trips per request, counted by the server, with locking on (the default) and off
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
session.gc_maxlifetime=1440
session.lazy_write=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
function measure(string $label, callable $fn): void {
    $cmds = [];
    $trips = rs_round_trips(function () use ($fn, &$cmds) { $cmds = rs_commands_during($fn); });
    // The inner commands probe adds two INFO round trips of its own.
    printf("%-22s %d round trips  %s\n", $label, $trips - 2, json_encode($cmds));
}
foreach (['1', '0'] as $locking) {
    ini_set('rsession.locking', $locking);
    echo "locking=$locking\n";
    $id = null;
    measure('new session', function () use (&$id) {
        rs_start(rs_path());
        $id = session_id();
        $_SESSION['n'] = 1;
        session_write_close();
    });
    measure('read + write', function () use ($id) {
        rs_start(rs_path(), $id);
        $_SESSION['n']++;
        session_write_close();
    });
    measure('read + unchanged', function () use ($id) {
        rs_start(rs_path(), $id);
        session_write_close();
    });
    ini_set('session.use_strict_mode', '1');
    measure('strict, read + write', function () use ($id) {
        rs_start(rs_path(), $id);
        $_SESSION['n']++;
        session_write_close();
    });
    ini_set('session.use_strict_mode', '0');
    measure('read_and_close', function () use ($id) {
        rs_start(rs_path(), $id, ['read_and_close' => true]);
    });
    measure('session_gc', function () use ($id) {
        rs_start(rs_path(), $id);
        $GLOBALS['collected'] = session_gc();
        session_abort();
    });
    var_dump($collected);
}
?>
--EXPECT--
locking=1
new session            2 round trips  {"del":1,"evalsha":1,"get":3,"set":2}
read + write           2 round trips  {"del":1,"evalsha":1,"get":3,"set":2}
read + unchanged       2 round trips  {"del":1,"evalsha":1,"expire":1,"get":3,"set":1}
strict, read + write   2 round trips  {"del":1,"evalsha":1,"get":3,"set":2}
read_and_close         2 round trips  {"del":1,"evalsha":1,"get":3,"set":1}
session_gc             2 round trips  {"del":1,"evalsha":1,"get":3,"set":1}
int(0)
locking=0
new session            2 round trips  {"exists":1,"set":1}
read + write           2 round trips  {"get":1,"set":1}
read + unchanged       2 round trips  {"expire":1,"get":1}
strict, read + write   2 round trips  {"get":1,"set":1}
read_and_close         1 round trips  {"get":1}
session_gc             1 round trips  {"get":1}
int(0)
