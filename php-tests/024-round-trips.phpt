--TEST--
Round trips per request, counted by the server: read+write 2, read+unchanged 2, new session 2, gc 0
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
$count = fn (array $cmds) => array_sum($cmds) . ' ' . json_encode($cmds);
$id = null;
echo 'new session:       ', $count(rs_commands_during(function () use (&$id) {
    rs_start(rs_path());
    $id = session_id();
    $_SESSION['n'] = 1;
    session_write_close();
})), "\n";
echo 'read + write:      ', $count(rs_commands_during(function () use ($id) {
    rs_start(rs_path(), $id);
    $_SESSION['n']++;
    session_write_close();
})), "\n";
echo 'read + unchanged:  ', $count(rs_commands_during(function () use ($id) {
    rs_start(rs_path(), $id);
    session_write_close();
})), "\n";
echo 'read-only start:   ', $count(rs_commands_during(function () use ($id) {
    rs_start(rs_path(), $id, ['read_and_close' => true]);
})), "\n";
echo 'gc:                ', $count(rs_commands_during(function () use ($id) {
    rs_start(rs_path(), $id);
    $GLOBALS['collected'] = session_gc();
    session_abort();
})), "\n";
var_dump($collected);
?>
--EXPECT--
new session:       2 {"exists":1,"set":1}
read + write:      2 {"get":1,"set":1}
read + unchanged:  2 {"expire":1,"get":1}
read-only start:   1 {"get":1}
gc:                1 {"get":1}
int(0)
