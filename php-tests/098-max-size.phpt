--TEST--
rsession.max_size: a session over the cap is not written (a warning gives its size and the cap), the session stored before is kept and its lock is released at once, on Redis and memcached, with locking on and off; sizes are written as php.ini writes them (512K)
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
rsession.max_size=1K
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$stores = [
    'redis' => [rs_path(), fn ($id) => rs_redis()->cmd('GET', "PHPREDIS_SESSION:$id"), fn ($id) => rs_redis()->cmd('EXISTS', "PHPREDIS_SESSION:{$id}_LOCK")],
    'memcached' => [mc_path(), fn ($id) => (new Memc(mc_nodes()[mc_where(mc_nodes(), "memc.sess.key.$id")[0] ?? 0]))->get("memc.sess.key.$id"), fn ($id) => count(mc_where(mc_nodes(), "memc.sess.key.lock.$id"))],
];
foreach ($stores as $name => [$path, $stored, $locked]) {
    foreach (['1', '0'] as $locking) {
        ini_set('rsession.locking', $locking);
        echo "== $name, locking $locking\n";
        $id = rs_new_id('maxsizeX');
        rs_start($path, $id);
        $_SESSION['small'] = 'kept';
        var_dump(session_write_close());
        rs_start($path, $id);
        $_SESSION['big'] = str_repeat('x', 2000);
        var_dump(session_write_close());
        echo implode("\n", array_map(fn ($w) => str_replace($id, 'ID', mc_neutral(rs_neutral($w), $path)), rs_warnings())), "\n";
        echo "stored: ", $stored($id), "; lock left: ", $locked($id), "\n";
        $t = microtime(true);
        rs_start($path, $id);
        printf("next request: %s, started %s\n", json_encode($_SESSION), microtime(true) - $t < 0.5 ? 'at once' : 'late');
        session_write_close();
    }
}
ini_set('rsession.max_size', '512K');
rs_start(rs_path());
$_SESSION['big'] = str_repeat('y', 300000);
var_dump(session_write_close(), rs_warnings());
?>
--EXPECTF--
== redis, locking 1
bool(true)
bool(true)
session_write_close(): rsession: redis ADDR: session maxsizeX…: not saved: its data is 2031 bytes, over rsession.max_size of 1024 bytes; the session stored before is kept
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
stored: small|s:4:"kept";; lock left: 0
next request: {"small":"kept"}, started at once
== redis, locking 0
bool(true)
bool(true)
session_write_close(): rsession: redis ADDR: session maxsizeX…: not saved: its data is 2031 bytes, over rsession.max_size of 1024 bytes; the session stored before is kept
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
stored: small|s:4:"kept";; lock left: 0
next request: {"small":"kept"}, started at once
== memcached, locking 1
bool(true)
bool(true)
session_write_close(): rsession: memcached %s: session maxsizeX…: not saved: its data is 2031 bytes, over rsession.max_size of 1024 bytes; the session stored before is kept
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
stored: small|s:4:"kept";; lock left: 0
next request: {"small":"kept"}, started at once
== memcached, locking 0
bool(true)
bool(true)
session_write_close(): rsession: memcached %s: session maxsizeX…: not saved: its data is 2031 bytes, over rsession.max_size of 1024 bytes; the session stored before is kept
session_write_close(): Failed to write session data (rsession). Please verify that the current setting of session.save_path is correct (PATH)
stored: small|s:4:"kept";; lock left: 0
next request: {"small":"kept"}, started at once
bool(true)
array(0) {
}
