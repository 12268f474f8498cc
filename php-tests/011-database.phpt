--TEST--
Database selection: /N in the URL and database=N in the query
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
function where(string $key): array {
    $found = [];
    $r = new Resp();
    foreach ([0, 2, 3] as $db) {
        $r->cmd('SELECT', (string) $db);
        if ($r->cmd('EXISTS', $key)) { $found[] = $db; }
    }
    return $found;
}
rs_start(rs_path('/2'));
$a = session_id();
$_SESSION['x'] = 1;
session_write_close();
rs_start('tcp://127.0.0.1:' . rs_port() . '?database=3&prefix=db3:');
$b = session_id();
$_SESSION['x'] = 1;
session_write_close();
var_dump(where('PHPREDIS_SESSION:' . $a), where('db3:' . $b));
// Read back through the same database.
rs_start(rs_path('/2'), $a);
var_dump($_SESSION);
session_write_close();
?>
--EXPECT--
array(1) {
  [0]=>
  int(2)
}
array(1) {
  [0]=>
  int(3)
}
array(1) {
  ["x"]=>
  int(1)
}
