--TEST--
memcached: key rules are checked before any command is built, with a clear warning
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
rs_capture_warnings();
$long = str_repeat('p', 230);
$stats = mc_commands_during(mc_nodes(), function () use ($long) {
    var_dump(rs_start(mc_path("?prefix=$long"), 'abcdefghijklmnopqrstuvwxyz'));
});
echo implode("\n", rs_warnings()), "\n";
var_dump($stats);
// A new session (no id yet) fails the same way: a warning and false, not a fatal Error.
var_dump(rs_start(mc_path("?prefix=$long")));
echo count(rs_warnings()), "\n";
var_dump(rs_start(mc_path('?prefix=my+app.')));
echo rs_warnings()[0], "\n";
var_dump(rs_start(mc_path('?prefix=tab%09.')));
echo rs_warnings()[0], "\n";
foreach (['memcached://127.0.0.1:16381,,127.0.0.1:16382', 'memcached://127.0.0.1:16381,127.0.0.1:16381', 'memcached://h:1:0', 'memcached://h:1:2:3', 'memcached://a,b?replicas=2', 'memcached://a?auth=x', 'memcached://a?weight=2', 'memcached://a?retry_interval=soon', 'memcached://', 'memcached://relative.sock?x=1'] as $path) {
    rs_start($path, 'abcdef');
    echo rs_warnings()[0], "\n";
}
?>
--EXPECTF--
bool(false)
session_start(): rsession: save_path entry 1 "memcached://%s?prefix=ppp%s": prefix of 230 bytes + session ids of 32 characters (session.sid_length) + "lock." (the lock's key) make keys of 267 bytes, over memcached's 250-byte key limit; shorten the prefix
session_start(): Failed to initialize storage module: rsession (path: memcached://%s)
array(0) {
}
bool(false)
2
bool(false)
session_start(): rsession: save_path entry 1 "memcached://%s?prefix=my+app.": prefix "my app." contains byte 0x20; memcached keys can only hold printable ASCII (no spaces, control characters or non-ASCII bytes)
bool(false)
session_start(): rsession: save_path entry 1 "memcached://%s": prefix "tab\x09." contains byte 0x09; memcached keys can only hold printable ASCII (no spaces, control characters or non-ASCII bytes)
session_start(): rsession: save_path entry 1 "memcached://127.0.0.1:16381,,127.0.0.1:16382": node 2: empty (stray comma?)
session_start(): rsession: save_path entry 1 "memcached://127.0.0.1:16381,127.0.0.1:16381": node 2 (127.0.0.1:16381) is listed twice
session_start(): rsession: save_path entry 1 "memcached://h:1:0": node 1: weight "0" is not a positive whole number
session_start(): rsession: save_path entry 1 "memcached://h:1:2:3": node 1: "h:1:2:3" has too many ':' fields (expected host:port:weight)
session_start(): rsession: save_path entry 1 "memcached://a,b?replicas=2": replicas=2 needs at least 3 nodes (2 given)
session_start(): rsession: save_path entry 1 "memcached://a?auth=***": parameter "auth" is for Redis, not memcached
session_start(): rsession: save_path entry 1 "memcached://a?weight=2": memcached weights go with each node: host:port:weight
session_start(): rsession: save_path entry 1 "memcached://a?retry_interval=soon": retry_interval "soon" is not a number of seconds
session_start(): rsession: save_path entry 1 "memcached://": missing host (expected memcached://host[:port][,host[:port]...])
session_start(): rsession: save_path entry 1 "memcached://relative.sock?x=1": unknown parameter "x" (known for memcached: prefix, timeout, read_timeout, replicas, retry_interval, distribution, lock_node)
