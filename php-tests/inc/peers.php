<?php
// The handlers rsession replaces (phpredis, php-memcached, pecl memcache, from Debian's packages)
// and rsession itself, each serving a "request" in a PHP process of its own: for the tests of
// what a rolling switch from a peer to rsession does while both serve the same sessions.
require_once __DIR__ . '/helpers.php';

/**
 * Starts a PHP process whose session.save_handler is $handler (redis, memcached, memcache or
 * rsession) and runs $code in it. Everything it prints, its warnings included, goes to one pipe.
 * Returns [process, pipe].
 */
function peer_start(string $handler, array $ini, string $code): array {
    $extensions = [
        'redis' => ['igbinary.so', 'msgpack.so', 'redis.so'],
        // phpredis's Redis Cluster handler.
        'rediscluster' => ['igbinary.so', 'msgpack.so', 'redis.so'],
        'memcached' => ['igbinary.so', 'msgpack.so', 'memcached.so'],
        'memcache' => ['memcache.so'],
        'rsession' => [rs_so()],
    ][$handler];
    $ini += [
        'session.save_handler' => $handler, 'session.use_cookies' => '0', 'session.cache_limiter' => '',
        'session.use_strict_mode' => '0', 'session.gc_maxlifetime' => '1440', 'max_execution_time' => '30',
        'display_errors' => 'stderr', 'log_errors' => '0', 'html_errors' => '0', 'error_reporting' => (string) E_ALL,
    ];
    $cmd = [PHP_BINARY, '-n'];
    foreach ($extensions as $extension) {
        array_push($cmd, '-d', "extension=$extension");
    }
    foreach ($ini as $name => $value) {
        // Quoted: a save_path holds '=', '?' and '&', which the INI parser reads otherwise.
        array_push($cmd, '-d', "$name=\"$value\"");
    }
    $check = 'if (!extension_loaded(' . var_export($handler === 'rediscluster' ? 'redis' : $handler, true) . ')) { echo "' . $handler . ' is not installed\n"; exit(1); } ';
    array_push($cmd, '-r', $check . $code);
    $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes);
    return [$proc, $pipes[1]];
}

/** The next line the process prints (bounded wait), without its newline. */
function peer_line(array $peer, float $timeout = 10.0): string {
    stream_set_timeout($peer[1], (int) ceil($timeout));
    $line = fgets($peer[1]);
    return $line === false ? '(said nothing)' : rtrim($line, "\n");
}

/** Waits for the process to end; returns the rest of what it printed, one line per message. */
function peer_end(array $peer): string {
    [$proc, $pipe] = $peer;
    $out = stream_get_contents($pipe);
    fclose($pipe);
    proc_close($proc);
    // PHP ends each message with " in Command line code on line 1": noise here.
    return trim(preg_replace(['/ in Command line code on line \d+/', '/\n+/'], ['', "\n"], $out));
}

function peer_run(string $handler, array $ini, string $code): string {
    return peer_end(peer_start($handler, $ini, $code));
}

/**
 * A request that opens session $id, says "locked" once session_start() returned, keeps the
 * session open for $hold seconds, adds its name to $_SESSION['by'] and writes.
 */
function peer_holder(string $handler, array $ini, string $id, float $hold): array {
    $peer = peer_start($handler, $ini, 'session_id(' . var_export($id, true) . '); $ok = session_start(); echo $ok ? "locked\n" : "start failed\n"; '
        . 'usleep(' . (int) ($hold * 1e6) . '); $_SESSION["by"][] = ' . var_export($handler, true) . '; session_write_close(); echo "holder done\n";');
    $said = peer_line($peer);
    if ($said !== 'locked') {
        throw new RuntimeException("$handler holder: $said " . peer_end($peer));
    }
    return $peer;
}

/**
 * A request on session $id while another holds it: reports how long session_start() took and
 * what it read, then adds its name to $_SESSION['by'] and writes.
 */
function peer_visitor(string $handler, array $ini, string $id): string {
    return peer_run($handler, $ini, 'session_id(' . var_export($id, true) . '); $t = microtime(true); $ok = session_start(); '
        . 'printf("%s: start %s after %s, read %s\n", ' . var_export($handler, true) . ', var_export($ok, true), (microtime(true) - $t) > 0.5 ? "waiting" : "no wait", json_encode($_SESSION["by"] ?? [])); '
        . '$_SESSION["by"][] = ' . var_export($handler . '-visitor', true) . '; session_write_close(); echo "visitor done\n";');
}
