--TEST--
save_path errors and phpinfo never show a password: scheme-less entries with user:password@, and auth parameters however spelled
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$paths = [
    // Accepted forms (tcp without a scheme, with userinfo), made invalid by their port.
    's3cretpw@127.0.0.1:99999',
    'alice:s3cretpw@127.0.0.1:0',
    'redis://127.0.0.1:1, alice:s3cretpw@127.0.0.1:99999',
    // A percent-escaped parameter name that decodes to auth (accepted as the password).
    'tcp://127.0.0.1:6379?%61uth=s3cretpw&bogus=1',
    // A misspelt auth parameter still carries the password.
    'tcp://127.0.0.1:6379?AUTH=s3cretpw',
];
foreach ($paths as $path) {
    var_dump(rs_start($path, 'masked0123456789abcdef'));
    foreach (rs_warnings() as $w) {
        if (str_contains($w, 'rsession:')) {
            echo str_contains($w, 's3cretpw') ? "password shown: $w" : 'masked', "\n";
        }
    }
}
// phpinfo() of a valid scheme-less save_path with a password.
ini_set('session.save_path', 'alice:s3cretpw@127.0.0.1:' . rs_port());
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
preg_match('/Active save_path => (.*)/', $info, $m);
echo str_contains($m[1] ?? '', 's3cretpw') ? "phpinfo shows the password: {$m[1]}" : 'phpinfo masked', "\n";
?>
--EXPECT--
bool(false)
masked
bool(false)
masked
bool(false)
masked
bool(false)
masked
bool(false)
masked
phpinfo masked
