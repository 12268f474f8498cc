--TEST--
rsession.compression: each algorithm round-trips in rsession's envelope, above the threshold only; reads work whatever the setting; a damaged envelope is an empty session with a warning; a fleet half compressed loses no increment
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
// transports: tcp
$r = rs_redis();
/** A realistic session of about 20 KiB: a user record, a cart with product data, CSRF tokens, flash messages. */
function realistic(): array {
    mt_srand(11);
    $words = ['Organic', 'Cotton', 'Shirt', 'Blue', 'Large', 'Wireless', 'Mouse', 'Steel', 'Water', 'Bottle', 'Leather', 'Wallet'];
    $cart = [];
    for ($i = 0; $i < 80; $i++) {
        $cart[] = ['sku' => sprintf('SKU-%06d', mt_rand(0, 999999)), 'name' => implode(' ', array_map(fn() => $words[mt_rand(0, 11)], range(1, 4))),
            'price' => mt_rand(100, 99999) / 100, 'qty' => mt_rand(1, 5), 'options' => ['color' => $words[mt_rand(0, 11)], 'gift' => (bool) mt_rand(0, 1)],
            'image' => sprintf('https://cdn.example.com/img/%08x%08x.jpg', mt_rand(), mt_rand())];
    }
    return [
        'user' => ['id' => 4211, 'email' => 'alice@example.com', 'name' => 'Alice Example', 'roles' => ['customer', 'beta'], 'locale' => 'en_GB',
            'address' => ['street' => '1 High Street', 'city' => 'London', 'zip' => 'N1 9GU', 'country' => 'GB']],
        'cart' => $cart,
        'csrf' => array_map(fn() => sprintf('%08x%08x%08x%08x', mt_rand(), mt_rand(), mt_rand(), mt_rand()), range(1, 8)),
        'flash' => ['notice' => ['Your cart was updated.', 'Free shipping over £50!'], 'error' => []],
    ];
}
$data = realistic();
function stored(string $id): string {
    global $r;
    return (string) $r->cmd('GET', "PHPREDIS_SESSION:$id");
}

echo "== each algorithm, above and below the threshold\n";
foreach (['none', 'lzf', 'lz4', 'zstd'] as $algorithm) {
    foreach (['0', '100000'] as $threshold) {
        ini_set('rsession.compression', $algorithm);
        ini_set('rsession.compression_threshold', $threshold);
        $id = rs_new_id("own$algorithm");
        rs_start(rs_path(), $id);
        $_SESSION = $data;
        $plain = session_encode();
        session_write_close();
        $raw = stored($id);
        // Read back with compression off: reads do not depend on the setting.
        ini_set('rsession.compression', 'none');
        rs_start(rs_path(), $id);
        $same = $_SESSION === $data;
        session_abort();
        printf("%-4s threshold %-6s: stored %s, %d of %d bytes, read %s\n", $algorithm, $threshold,
            $raw === $plain ? 'plain' : bin2hex(substr($raw, 0, 5)), strlen($raw), strlen($plain),
            $same ? 'same' : 'DIFFERENT');
    }
}
ini_set('rsession.compression', 'zstd');
ini_set('rsession.compression_threshold', '0');
ini_set('rsession.compression_level', '19');
$id = rs_new_id('level');
rs_start(rs_path(), $id);
$_SESSION = $data;
session_write_close();
rs_start(rs_path(), $id);
echo "zstd level 19: read ", $_SESSION === $data ? 'same' : 'DIFFERENT', "\n";
session_abort();
ini_restore('rsession.compression_level');
echo "== a short session that does not compress is stored as it is\n";
$id = rs_new_id('short');
rs_start(rs_path(), $id);
$_SESSION = ['x' => 1];
session_write_close();
var_dump(stored($id));

echo "== damaged values\n";
rs_capture_warnings();
$sealed = (function () use ($data) {
    $id = rs_new_id('damaged');
    rs_start(rs_path(), $id);
    $_SESSION = $data;
    session_write_close();
    return stored($id);
})();
foreach ([
    'truncated' => substr($sealed, 0, intdiv(strlen($sealed), 2)),
    'header only' => substr($sealed, 0, 6),
    'unknown algorithm' => substr($sealed, 0, 4) . "\x09" . substr($sealed, 5),
    'a bomb (4 GiB claimed)' => substr($sealed, 0, 5) . "\xff\xff\xff\xff" . substr($sealed, 9),
    'bytes flipped' => substr($sealed, 0, 20) . str_repeat("\xff", 20) . substr($sealed, 40),
] as $what => $value) {
    $id = rs_new_id('corrupt1');
    $r->cmd('SETEX', "PHPREDIS_SESSION:$id", '600', $value);
    $ok = rs_start(rs_path(), $id);
    printf("%s: start %s, session %s\n  %s\n", $what, json_encode($ok), json_encode($_SESSION), rs_neutral(implode(' / ', rs_warnings())));
    $_SESSION = [];
    session_abort();
}
// Random bytes that are no envelope are PHP's to judge, as they were before: never a crash.
mt_srand(7);
$crashes = 0;
for ($i = 0; $i < 200; $i++) {
    $id = rs_new_id('random');
    $value = implode('', array_map(fn() => chr(mt_rand(0, 255)), range(0, mt_rand(0, 300))));
    $r->cmd('SETEX', "PHPREDIS_SESSION:$id", '600', $value);
    $ok = @rs_start(rs_path(), $id);
    $crashes += $ok ? 0 : 1;
    session_abort();
}
rs_warnings();
echo "random values: session_start() failed $crashes times of 200\n";

echo "== bad settings\n";
foreach ([['rsession.compression', 'gzip'], ['rsession.compression_level', '23'], ['rsession.compression_threshold', '1k']] as [$name, $value]) {
    ini_set($name, $value);
    var_dump(rs_start(rs_path(), rs_new_id('badini')));
    echo rs_warnings()[0] ?? 'no warning', "\n";
    ini_restore($name);
}

echo "== a fleet half compressed, half not: three workers (zstd, none, lz4) increment one locked session\n";
$id = rs_new_id('fleet');
$r->cmd('DEL', "PHPREDIS_SESSION:$id");
$worker = 'for ($i = 0; $i < 50; $i++) { session_id(' . var_export($id, true) . '); session_start(); '
    . '$_SESSION["n"] = ($_SESSION["n"] ?? 0) + 1; $_SESSION["pad"] = str_repeat("padding ", 200); session_write_close(); } fwrite(STDERR, "done\n");';
$workers = [];
foreach (['zstd', 'none', 'lz4'] as $algorithm) {
    $workers[] = rs_child($worker, ['session.save_path' => rs_path(), 'rsession.compression' => $algorithm, 'rsession.compression_threshold' => '0']);
}
foreach ($workers as [$proc, $pipe]) {
    echo rs_child_says($pipe, 30), " ", json_encode(rs_child_end($proc, $pipe)), "\n";
}
ini_set('rsession.compression', 'none');
rs_start(rs_path(), $id);
echo "n = ", $_SESSION['n'], "\n";
session_abort();
?>
--EXPECT--
== each algorithm, above and below the threshold
none threshold 0     : stored plain, 20510 of 20510 bytes, read same
none threshold 100000: stored plain, 20510 of 20510 bytes, read same
lzf  threshold 0     : stored 0052534301, 6332 of 20510 bytes, read same
lzf  threshold 100000: stored plain, 20510 of 20510 bytes, read same
lz4  threshold 0     : stored 0052534302, 6370 of 20510 bytes, read same
lz4  threshold 100000: stored plain, 20510 of 20510 bytes, read same
zstd threshold 0     : stored 0052534303, 3629 of 20510 bytes, read same
zstd threshold 100000: stored plain, 20510 of 20510 bytes, read same
zstd level 19: read same
== a short session that does not compress is stored as it is
string(6) "x|i:1;"
== damaged values
truncated: start true, session []
  session_start(): rsession: redis ADDR: session corrupt1…: its stored value is rsession-compressed but cannot be read (its zstd data does not decompress to 20510 bytes): read as an empty session
header only: start true, session []
  session_start(): rsession: redis ADDR: session corrupt1…: its stored value is rsession-compressed but cannot be read (its header is cut short (6 bytes)): read as an empty session
unknown algorithm: start true, session []
  session_start(): rsession: redis ADDR: session corrupt1…: its stored value is rsession-compressed but cannot be read (unknown compression algorithm 9): read as an empty session
a bomb (4 GiB claimed): start true, session []
  session_start(): rsession: redis ADDR: session corrupt1…: its stored value is rsession-compressed but cannot be read (it claims 4294967295 bytes uncompressed, over the 67108864 bytes rsession accepts): read as an empty session
bytes flipped: start true, session []
  session_start(): rsession: redis ADDR: session corrupt1…: its stored value is rsession-compressed but cannot be read (its zstd data does not decompress to 20510 bytes): read as an empty session
random values: session_start() failed 200 times of 200
== bad settings
bool(false)
session_start(): rsession: rsession.compression "gzip" is not a known compression (use none, lzf, lz4 or zstd)
bool(false)
session_start(): rsession: rsession.compression_level "23" is not a zstd level (0 for zstd's default, 1 to 22)
bool(false)
session_start(): rsession: rsession.compression_threshold "1k" is not a number of bytes (0 or more)
== a fleet half compressed, half not: three workers (zstd, none, lz4) increment one locked session
done ["",0]
done ["",0]
done ["",0]
n = 150
