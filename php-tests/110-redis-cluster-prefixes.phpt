--TEST--
Redis Cluster with odd prefixes: {a} (every session in one slot), a lone {, {{a}}, {a}}, a}b{c} (a tag after a stray brace), empty: each locked request works, its lock is taken on its data's master and the session is stored there; prefixes whose '}' leaves the lock outside the data's slot ({}, }, x{}y, }{) are refused with a warning naming the prefix
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
rsession.locking=1
--FILE--
<?php
require __DIR__ . '/inc/cluster.php';
// transports: tcp (a cluster of the test's own)
rs_capture_warnings();
$c = new RsCluster(3, 0);
try {
    foreach (['{a}', '{', '{{a}}', '{a}}', 'a}b{c}', '', '{}', '}', 'x{}y', '}{'] as $prefix) {
        $path = 'redis+cluster://' . $c->seeds() . '?prefix=' . rawurlencode($prefix);
        $id = 'pfx' . bin2hex(random_bytes(4));
        $key = $prefix . $id;
        // The lock: the key with _LOCK if it has a hash tag, else the whole key made the tag.
        $lock = preg_match('/\{[^}]+\}/', $key) ? "{$key}_LOCK" : "{{$key}}_LOCK";
        $ok = rs_start($path, $id);
        $result = 'refused';
        if ($ok) {
            $m = $c->node($c->masterOf($key));
            $held = $m->cmd('EXISTS', $lock);
            $_SESSION['p'] = $prefix;
            $ok = session_write_close();
            $ok = $ok && rs_start($path, $id) && ($_SESSION['p'] ?? null) === $prefix;
            session_write_close();
            $result = sprintf('works: %s, lock held on the data\'s master: %d, stored there: %d, lock left: %d',
                var_export($ok, true), $held, $m->cmd('EXISTS', $key), $m->cmd('EXISTS', $lock));
        }
        $w = array_map(fn ($m) => preg_replace('/"redis\+cluster:[^"]*"/', 'PATH', $m), rs_warnings());
        echo json_encode($prefix), ": $result\n", $w === [] ? '' : "  {$w[0]}\n";
    }
} finally {
    $c->stop();
}
?>
--EXPECT--
"{a}": works: true, lock held on the data's master: 1, stored there: 1, lock left: 0
"{": works: true, lock held on the data's master: 1, stored there: 1, lock left: 0
"{{a}}": works: true, lock held on the data's master: 1, stored there: 1, lock left: 0
"{a}}": works: true, lock held on the data's master: 1, stored there: 1, lock left: 0
"a}b{c}": works: true, lock held on the data's master: 1, stored there: 1, lock left: 0
"": works: true, lock held on the data's master: 1, stored there: 1, lock left: 0
"{}": refused
  session_start(): rsession: save_path entry 1 PATH: prefix "{}" holds a '}' outside a {hash tag}: in a Redis Cluster the session's lock could not be put in its data's hash slot; remove the '}' or make the prefix a complete tag such as {sessions}:
"}": refused
  session_start(): rsession: save_path entry 1 PATH: prefix "}" holds a '}' outside a {hash tag}: in a Redis Cluster the session's lock could not be put in its data's hash slot; remove the '}' or make the prefix a complete tag such as {sessions}:
"x{}y": refused
  session_start(): rsession: save_path entry 1 PATH: prefix "x{}y" holds a '}' outside a {hash tag}: in a Redis Cluster the session's lock could not be put in its data's hash slot; remove the '}' or make the prefix a complete tag such as {sessions}:
"}{": refused
  session_start(): rsession: save_path entry 1 PATH: prefix "}{" holds a '}' outside a {hash tag}: in a Redis Cluster the session's lock could not be put in its data's hash slot; remove the '}' or make the prefix a complete tag such as {sessions}:
