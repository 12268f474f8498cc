--TEST--
Locking: 8 concurrent processes x 25 increments of one session's counter lose nothing, on Redis and memcached; without locking, updates are lost
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
function race(string $locking, string $path): int {
    rs_start($path);
    $id = session_id();
    $_SESSION['n'] = 0;
    session_write_close();
    $code = '$path = ' . var_export($path, true) . '; $id = ' . var_export($id, true) . ';'
        . 'for ($i = 0; $i < 25; $i++) {'
        . '  if (!rs_start($path, $id)) { fwrite(STDERR, "start failed\n"); exit(1); }'
        . '  $n = $_SESSION["n"]; usleep(2000); $_SESSION["n"] = $n + 1;'
        . '  session_write_close();'
        . '}';
    $children = [];
    for ($c = 0; $c < 8; $c++) {
        $children[] = rs_child($code, ['rsession.locking' => $locking]);
    }
    foreach ($children as [$proc, $pipe]) {
        [$said, $exit] = rs_child_end($proc, $pipe);
        if ($exit !== 0 || $said !== '') { echo "child failed ($exit): $said\n"; }
    }
    rs_start($path, $id);
    $n = $_SESSION['n'];
    session_write_close();
    return $n;
}
var_dump(race('1', rs_path()));
var_dump(race('1', mc_path()));
var_dump(race('0', rs_path()) < 200);
var_dump(race('0', mc_path()) < 200);
?>
--EXPECT--
int(200)
int(200)
bool(true)
bool(true)
