--TEST--
Sessions phpredis compressed (lzf, lz4, zstd, as redis.session.compression writes them) are read, with every serializer; a plain session is not taken for one; rsession writes back what it is told
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp
// One process with phpredis (its Redis client writes the compressed values, with the code
// phpredis 6's session handler uses) and rsession (the save handler reading them).
$child = <<<'PHP'
$r = new Redis();
$r->connect('127.0.0.1', rs_port());
$data = ['user' => ['id' => 42, 'name' => 'Zoë', 'roles' => ['admin', 'editor']], 'cart' => array_fill(0, 30, ['sku' => 'SKU-0001', 'qty' => 2]), 'n' => 1.5, 'flag' => true, 'none' => null];
foreach (['php', 'php_serialize', 'igbinary', 'msgpack'] as $serializer) {
    ini_set('session.serialize_handler', $serializer);
    foreach (['lzf' => Redis::COMPRESSION_LZF, 'lz4' => Redis::COMPRESSION_LZ4, 'zstd' => Redis::COMPRESSION_ZSTD] as $name => $c) {
        // The session as this serializer writes it.
        $id = rs_new_id("c$name");
        session_id($id);
        session_start();
        $_SESSION = $data;
        $plain = session_encode();
        session_abort();
        $r->setOption(Redis::OPT_COMPRESSION, $c);
        $r->setex("PHPREDIS_SESSION:$id", 600, $plain);
        $r->setOption(Redis::OPT_COMPRESSION, Redis::COMPRESSION_NONE);
        $stored = $r->get("PHPREDIS_SESSION:$id");
        session_id($id);
        $ok = session_start();
        $same = $ok && $_SESSION === $data && session_encode() === $plain;
        $_SESSION['n'] = 2.5;
        $expect = session_encode();
        session_write_close();
        $back = $r->get("PHPREDIS_SESSION:$id");
        printf("%-13s %-4s stored %s (%d of %d bytes): read %s; written back plain: %s\n", $serializer, $name,
            $stored === $plain ? 'PLAIN' : 'compressed', strlen($stored), strlen($plain), $same ? 'same' : 'DIFFERENT',
            json_encode($back === $expect));
    }
    // The same session uncompressed is read as it is.
    $id = rs_new_id('plain');
    $r->setex("PHPREDIS_SESSION:$id", 600, $plain);
    session_id($id);
    session_start();
    printf("%-13s none stored plain: read %s\n", $serializer, $_SESSION === $data ? 'same' : 'DIFFERENT');
    session_abort();
}
PHP;
$ini = ['session.save_path' => rs_path(), 'session.save_handler' => 'rsession', 'session.use_cookies' => '0',
    'session.cache_limiter' => '', 'session.use_strict_mode' => '0', 'display_errors' => 'stderr', 'error_reporting' => (string) E_ALL];
$cmd = [PHP_BINARY, '-n', '-d', 'extension=igbinary.so', '-d', 'extension=msgpack.so', '-d', 'extension=redis.so', '-d', 'extension=' . rs_so()];
foreach ($ini as $k => $v) {
    array_push($cmd, '-d', "$k=\"$v\"");
}
array_push($cmd, '-r', 'require ' . var_export(__DIR__ . '/inc/helpers.php', true) . '; ' . $child);
$proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes);
echo stream_get_contents($pipes[1]);
echo "exit ", proc_close($proc), "\n";
?>
--EXPECT--
php           lzf  stored compressed (312 of 1624 bytes): read same; written back plain: true
php           lz4  stored compressed (328 of 1624 bytes): read same; written back plain: true
php           zstd stored compressed (245 of 1624 bytes): read same; written back plain: true
php           none stored plain: read same
php_serialize lzf  stored compressed (336 of 1660 bytes): read same; written back plain: true
php_serialize lz4  stored compressed (345 of 1660 bytes): read same; written back plain: true
php_serialize zstd stored compressed (263 of 1660 bytes): read same; written back plain: true
php_serialize none stored plain: read same
igbinary      lzf  stored compressed (238 of 236 bytes): read same; written back plain: true
igbinary      lz4  stored compressed (243 of 236 bytes): read same; written back plain: true
igbinary      zstd stored compressed (200 of 236 bytes): read same; written back plain: true
igbinary      none stored plain: read same
msgpack       lzf  stored compressed (104 of 644 bytes): read same; written back plain: true
msgpack       lz4  stored compressed (104 of 644 bytes): read same; written back plain: true
msgpack       zstd stored compressed (109 of 644 bytes): read same; written back plain: true
msgpack       none stored plain: read same
exit 0
