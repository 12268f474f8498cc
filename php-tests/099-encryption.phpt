--TEST--
rsession.encryption_key_file: sessions are stored sealed (no plaintext in the store, a fresh nonce each write) and read back; a value copied under another id, tampered with, sealed with a key no longer in the file, or read without the key file is an empty session with a warning, never a PHP decode error; key rotation (new key first) keeps old sessions readable; a bad key file is refused by name; memcached too
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$dir = rs_env('RSESSION_RUN', dirname(__DIR__) . '/.run') . '/tests/keys-' . getmypid();
@mkdir($dir, 0700, true);
$a = base64_encode(random_bytes(32));
$b = base64_encode(random_bytes(32));
file_put_contents("$dir/a.keys", "# rsession keys\n$a\n");
file_put_contents("$dir/rotated.keys", "$b\n$a\n");
file_put_contents("$dir/short.keys", base64_encode(random_bytes(16)) . "\n");
$r = rs_redis();
$show = fn () => implode("\n", array_map(fn ($w) => preg_replace('/session \w+…/', 'session ID…', rs_neutral($w)), rs_warnings()));
$stored = fn ($id) => $r->cmd('GET', "PHPREDIS_SESSION:$id");

try {
    ini_set('rsession.encryption_key_file', "$dir/a.keys");
    $id = rs_new_id('crypt');
    rs_start(rs_path(), $id);
    $_SESSION['card'] = 'secret-4111';
    session_write_close();
    $first = $stored($id);
    echo "stored sealed: ", var_export(str_starts_with($first, "\0RSE") && !str_contains($first, 'secret-4111'), true), "\n";
    rs_start(rs_path(), $id);
    echo "read back: ", $_SESSION['card'], "\n";
    $_SESSION['n'] = 1;
    session_write_close();
    rs_start(rs_path(), $id);
    session_write_close();
    echo "a fresh nonce each write: ", var_export($stored($id) !== $first, true), "\n";

    echo "== copied under another id\n";
    $other = rs_new_id('crypt');
    $r->cmd('SET', "PHPREDIS_SESSION:$other", $stored($id));
    var_dump(rs_start(rs_path(), $other), $_SESSION);
    session_write_close();
    echo $show(), "\n";

    echo "== tampered with\n";
    $v = $stored($id);
    $v[strlen($v) - 5] = chr(ord($v[strlen($v) - 5]) ^ 1);
    $tampered = rs_new_id('crypt');
    $r->cmd('SET', "PHPREDIS_SESSION:$tampered", $v);
    var_dump(rs_start(rs_path(), $tampered), $_SESSION);
    session_abort();
    echo $show(), "\n";

    echo "== rotation: a new key first, the old one kept\n";
    ini_set('rsession.encryption_key_file', "$dir/rotated.keys");
    rs_start(rs_path(), $id);
    echo "old session: ", $_SESSION['card'], "\n";
    $_SESSION['n'] = 2;
    session_write_close();
    echo "and the old key file cannot open what the new key sealed:\n";
    ini_set('rsession.encryption_key_file', "$dir/a.keys");
    var_dump(rs_start(rs_path(), $id), $_SESSION);
    session_abort();
    echo $show(), "\n";

    echo "== no key file set\n";
    ini_set('rsession.encryption_key_file', '');
    var_dump(rs_start(rs_path(), $id), $_SESSION);
    session_abort();
    echo $show(), "\n";

    echo "== bad key files\n";
    foreach (["$dir/missing.keys", "$dir/short.keys"] as $file) {
        ini_set('rsession.encryption_key_file', $file);
        var_dump(rs_start(rs_path(), $id));
        echo str_replace($dir, 'DIR', rs_warnings()[0] ?? 'NO WARNING'), "\n";
    }

    echo "== compressed, then sealed\n";
    ini_set('rsession.encryption_key_file', "$dir/rotated.keys");
    $big = str_repeat('lorem ipsum dolor sit amet, ', 400);
    $sizes = [];
    foreach (['none', 'zstd'] as $compression) {
        ini_set('rsession.compression', $compression);
        $cid = rs_new_id('crypt');
        rs_start(rs_path(), $cid);
        $_SESSION['text'] = $big;
        session_write_close();
        $sizes[$compression] = strlen($stored($cid));
        ini_set('rsession.compression', 'none');
        rs_start(rs_path(), $cid);
        echo "$compression: sealed: ", var_export(str_starts_with($stored($cid), "\0RSE"), true), ", read back: ", var_export(($_SESSION['text'] ?? '') === $big, true), "\n";
        session_write_close();
    }
    echo "compressed before sealing: ", var_export($sizes['zstd'] < $sizes['none'] / 10, true), "\n";

    echo "== memcached\n";
    ini_set('rsession.encryption_key_file', "$dir/rotated.keys");
    $mid = rs_new_id('crypt');
    rs_start(mc_path(), $mid);
    $_SESSION['card'] = 'secret-4111';
    session_write_close();
    $node = mc_where(mc_nodes(), "memc.sess.key.$mid")[0];
    $raw = (new Memc(mc_nodes()[$node]))->get("memc.sess.key.$mid");
    echo "stored sealed: ", var_export(str_starts_with($raw, "\0RSE") && !str_contains($raw, 'secret'), true), "\n";
    rs_start(mc_path(), $mid);
    echo "read back: ", $_SESSION['card'], "\n";
    session_write_close();
    echo "warnings: ", json_encode(rs_warnings()), "\n";
} finally {
    exec('rm -rf ' . escapeshellarg($dir));
}
?>
--EXPECTF--
stored sealed: true
read back: secret-4111
a fresh nonce each write: true
== copied under another id
bool(true)
array(0) {
}
session_start(): rsession: redis ADDR: session ID…: read as empty: does not decrypt: changed since it was written, or copied from another session id
== tampered with
bool(true)
array(0) {
}
session_start(): rsession: redis ADDR: session ID…: read as empty: does not decrypt: changed since it was written, or copied from another session id
== rotation: a new key first, the old one kept
old session: secret-4111
and the old key file cannot open what the new key sealed:
bool(true)
array(0) {
}
session_start(): rsession: redis ADDR: session ID…: read as empty: encrypted with a key that is not in the key file
== no key file set
bool(true)
array(0) {
}
session_start(): rsession: redis ADDR: session ID…: read as empty: it is encrypted, and rsession.encryption_key_file is not set
== bad key files
bool(false)
session_start(): rsession: rsession.encryption_key_file "DIR/missing.keys": cannot read: No such file or directory (os error 2)
bool(false)
session_start(): rsession: rsession.encryption_key_file "DIR/short.keys": line 1: a key is 32 bytes (256 bits), this one is 16 (make one with: head -c 32 /dev/urandom | base64)
== compressed, then sealed
none: sealed: true, read back: true
zstd: sealed: true, read back: true
compressed before sealing: true
== memcached
stored sealed: true
read back: secret-4111
warnings: []
