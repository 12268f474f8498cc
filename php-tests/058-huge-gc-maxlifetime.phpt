--TEST--
A session.gc_maxlifetime beyond what Redis accepts as an expiry (PHP_INT_MAX, "never expire"): reads still work, and a write either saves or says that session.gc_maxlifetime is the cause
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
session.serialize_handler=php
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$r = rs_redis();
foreach (['0', '1'] as $early) {
    ini_set('rsession.early_refresh', $early);
    foreach ([PHP_INT_MAX, 1 << 62] as $lifetime) {
        ini_set('session.gc_maxlifetime', (string) $lifetime);
        $id = rs_new_id('lifetime');
        $r->cmd('SET', "PHPREDIS_SESSION:$id", 'n|i:1;');
        $started = rs_start(rs_path(), $id);
        $_SESSION['n'] = 2;
        session_write_close();
        $saved = $r->cmd('GET', "PHPREDIS_SESSION:$id") === 'n|i:2;';
        $w = array_filter(rs_warnings(), fn ($w) => str_contains($w, 'rsession:'));
        $named = $w && array_filter($w, fn ($w) => str_contains($w, 'gc_maxlifetime')) == $w;
        echo "early_refresh=$early lifetime=$lifetime: ", $started ? 'read' : 'read FAILED', ', ',
            $saved ? 'saved' : ($named ? 'not saved, cause named' : 'not saved: ' . implode(' | ', $w)), "\n";
        $r->cmd('DEL', "PHPREDIS_SESSION:$id", "PHPREDIS_SESSION:{$id}_LOCK");
    }
}
?>
--EXPECTREGEX--
early_refresh=0 lifetime=9223372036854775807: read, (saved|not saved, cause named)
early_refresh=0 lifetime=4611686018427387904: read, (saved|not saved, cause named)
early_refresh=1 lifetime=9223372036854775807: read, (saved|not saved, cause named)
early_refresh=1 lifetime=4611686018427387904: read, (saved|not saved, cause named)
