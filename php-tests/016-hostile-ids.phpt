--TEST--
Hostile session ids never reach the store as part of a command
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
$r = rs_redis();
$r->cmd('SET', 'canary', 'alive');
$hostile = ["ab:cd", "a/../b", "x\0y", str_repeat('a', 300), "\xc3\xa9", "a.b", "a b\r\nFLUSHALL", "\r\n*1\r\n\$8\r\nFLUSHALL\r\n", "x\tDEL canary"];
rs_capture_warnings();
foreach ($hostile as $id) {
    $seen = [];
    $trips = rs_round_trips(function () use ($id, &$seen) {
        $ok = rs_start(rs_path(), $id);
        // Either PHP replaced the id (CR, LF, tab, space) or rsession refused it.
        $seen = [$ok, session_id()];
        if ($ok) { session_write_close(); }
    });
    [$ok, $sid] = $seen;
    $w = rs_warnings();
    if ($ok) {
        // A replacement id in PHP's alphabet, served as a new session: claim + write.
        echo preg_match('/^[a-zA-Z0-9,-]+$/', $sid) && $sid !== $id && $trips === 2 ? "replaced\n" : "BAD " . json_encode([$sid, $trips]) . "\n";
    } else {
        // Refused before any command was sent.
        echo $trips === 0 && str_contains($w[0], 'rsession: session id') && str_contains($w[0], 'rejected') ? "refused\n" : "BAD " . json_encode([$trips, $w]) . "\n";
    }
}
echo rs_warnings()[0] ?? '', "\n";
rs_start(rs_path(), 'ab:cd');
echo rs_warnings()[0], "\n";
rs_start(rs_path(), str_repeat('a', 300));
echo rs_warnings()[0], "\n";
var_dump($r->cmd('GET', 'canary'));
// No stored key (session or lock) holds anything but PHP's id alphabet after the prefix.
$bad = array_filter($r->cmd('KEYS', 'PHPREDIS_SESSION:*'), fn ($k) => !preg_match('/^PHPREDIS_SESSION:[a-zA-Z0-9,-]+(_LOCK)?$/', $k));
var_dump($bad);
// Strict mode: an impossible id is simply unknown, a new one is issued, no warning.
ini_set('session.use_strict_mode', '1');
var_dump(rs_start(rs_path(), 'ab:cd'), session_id() !== 'ab:cd', rs_warnings());
session_write_close();
?>
--EXPECTF--
refused
refused
refused
refused
refused
refused
replaced
replaced
replaced

session_start(): rsession: session id "ab:cd" rejected: byte ":" at position 2 is not allowed (only a-z A-Z 0-9 , -)
session_start(): rsession: session id "aaaaaaaaaaaaaaaa"... (300 bytes) rejected: 300 bytes long (at most 256)
string(5) "alive"
array(0) {
}
bool(true)
bool(true)
array(0) {
}
