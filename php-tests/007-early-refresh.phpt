--TEST--
Without locking, rsession.early_refresh: GETEX at read refreshes the expiry, nothing after an unchanged request
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
rsession.locking=0
session.lazy_write=1
rsession.early_refresh=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$r = rs_redis();
rs_start(rs_path());
$id = session_id();
$key = 'PHPREDIS_SESSION:' . $id;
$_SESSION['n'] = 1;
session_write_close();
$r->cmd('EXPIRE', $key, '100');
$cmds = rs_commands_during(function () use ($id) {
    rs_start(rs_path(), $id);
    var_dump($_SESSION['n']);
    session_write_close();
});
var_dump($cmds);
var_dump($r->cmd('TTL', $key) > 1400);
?>
--EXPECT--
int(1)
array(1) {
  ["getex"]=>
  int(1)
}
bool(true)
