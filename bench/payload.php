<?php
// The payload benchmark: a realistic 20 KiB session (a shopping cart with product data, a user
// record, CSRF tokens, flash messages; generated, not random bytes) through rsession over Redis
// with each payload setting, in one PHP process, in shuffled rounds of short blocks. Prints a
// markdown table: cycles/s (median of the rounds) and the bytes stored per session.
//   php payload.php           env: BENCH_REDIS (host:port), BENCH_KEYS (a key file),
//                             BENCH_ROUNDS (7), BENCH_BLOCK (cycles, 200)
// Any failure (a warning, a read that does not give back what was written) ends the process with
// status 1 and a message: never a fast number.

$redis = getenv('BENCH_REDIS') ?: '127.0.0.1:6379';
$keys = getenv('BENCH_KEYS');
$rounds = (int) (getenv('BENCH_ROUNDS') ?: 7);
$block = (int) (getenv('BENCH_BLOCK') ?: 200);

function fail(string $why): never {
    fwrite(STDERR, "payload.php: $why\n");
    exit(1);
}
$current = '';
set_error_handler(function (int $no, string $msg) use (&$current) {
    fail("$current: PHP said: $msg");
});

/** A session as a shop keeps it: about 20 KiB serialized, mostly text that repeats in shape. */
function shop_session(int $seed): array {
    mt_srand($seed);
    $words = ['organic', 'cotton', 'shirt', 'blue', 'slim', 'fit', 'leather', 'wallet', 'black', 'classic',
        'running', 'shoes', 'women', 'men', 'size', 'wool', 'scarf', 'winter', 'edition', 'recycled', 'ceramic', 'mug'];
    $phrase = fn (int $n) => implode(' ', array_map(fn () => $words[mt_rand(0, count($words) - 1)], range(1, $n)));
    $cart = [];
    for ($i = 0; $i < 40; $i++) {
        $cart[] = [
            'sku' => sprintf('SKU-%06d', mt_rand(1, 999999)),
            'name' => ucfirst($phrase(4)),
            'description' => ucfirst($phrase(24)) . '.',
            'price' => mt_rand(199, 99999) / 100,
            'currency' => 'EUR',
            'quantity' => mt_rand(1, 4),
            'options' => ['size' => ['S', 'M', 'L', 'XL'][mt_rand(0, 3)], 'color' => ['red', 'blue', 'black'][mt_rand(0, 2)]],
            'image' => sprintf('https://cdn.example.com/img/%08x.jpg', mt_rand()),
            'added_at' => 1764000000 + mt_rand(0, 86400),
        ];
    }
    return [
        'user' => ['id' => mt_rand(1, 1000000), 'email' => 'customer' . mt_rand() . '@example.com', 'name' => 'Ann Example',
            'roles' => ['customer'], 'locale' => 'de_DE', 'last_login' => 1764000000],
        'csrf' => array_map(fn () => bin2hex(random_bytes(16)), range(1, 8)),
        'cart' => $cart,
        'flash' => ['success' => ['Item added to your cart.'], 'info' => ['Free shipping from 50 EUR.']],
        'recently_viewed' => array_map(fn () => sprintf('SKU-%06d', mt_rand(1, 999999)), range(1, 30)),
    ];
}

$configs = [
    'none' => [],
    'lz4' => ['rsession.compression' => 'lz4'],
    'zstd' => ['rsession.compression' => 'zstd'],
];
if ($keys) {
    $configs['encrypted'] = ['rsession.encryption_key_file' => $keys];
    $configs['zstd + encrypted'] = ['rsession.compression' => 'zstd', 'rsession.encryption_key_file' => $keys];
}
$all = ['rsession.compression' => 'none', 'rsession.encryption_key_file' => ''];

ini_set('session.save_handler', 'rsession');
ini_set('session.save_path', "redis://$redis");
ini_set('session.use_cookies', '0');
ini_set('session.cache_limiter', '');
ini_set('session.use_strict_mode', '0');
ini_set('session.gc_probability', '0');

$r = stream_socket_client("tcp://$redis", $errno, $errstr, 2) ?: fail("cannot reach redis at $redis: $errstr");
/** Bytes Redis holds under `$key` (STRLEN). */
function stored_len($r, string $key): int {
    fwrite($r, "*2\r\n\$6\r\nSTRLEN\r\n$" . strlen($key) . "\r\n$key\r\n");
    return (int) substr((string) fgets($r), 1);
}

$tag = bin2hex(random_bytes(3));
$sessions = array_map('shop_session', range(1, 20));
$rates = [];
$sizes = [];
foreach ($configs as $name => $ini) {
    foreach ($ini + $all as $k => $v) {
        ini_set($k, $v) !== false || fail("$name: ini_set($k) refused: is this rsession built with it?");
    }
    $current = $name;
    foreach ($sessions as $i => $data) {
        session_id("pay{$tag}" . substr(md5($name), 0, 6) . $i);
        session_start() || fail("$name: session_start() failed");
        $_SESSION = $data;
        session_write_close();
    }
    $sizes[$name] = stored_len($r, "PHPREDIS_SESSION:pay{$tag}" . substr(md5($name), 0, 6) . '0');
}
$order = array_keys($configs);
for ($round = 0; $round < $rounds; $round++) {
    shuffle($order);
    foreach ($order as $name) {
        foreach ($configs[$name] + $all as $k => $v) {
            ini_set($k, $v);
        }
        $current = $name;
        $t = hrtime(true);
        for ($i = 0; $i < $block; $i++) {
            $n = $i % count($sessions);
            session_id("pay{$tag}" . substr(md5($name), 0, 6) . $n);
            session_start() || fail("$name: session_start() failed");
            ($_SESSION['user']['id'] ?? null) === $sessions[$n]['user']['id'] || fail("$name: session $n read back wrong");
            $_SESSION['csrf'][0] = bin2hex(random_bytes(16));
            session_write_close();
        }
        $rates[$name][] = $block / ((hrtime(true) - $t) / 1e9);
    }
}
$median = function (array $xs): float {
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
};
echo "| payload setting | cycles/s | bytes stored per session | of uncompressed |\n|---|---:|---:|---:|\n";
foreach ($configs as $name => $_) {
    printf("| %s | %d | %d | %.2f |\n", $name, $median($rates[$name]), $sizes[$name], $sizes[$name] / $sizes['none']);
}
