--TEST--
Password and ACL user authentication in every accepted form; a wrong password's warning
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
// (the auth server listens on 127.0.0.1 only)
$port = rs_auth_port();
$pw = rawurlencode(rs_password());
$user = rs_acl_user();
$upw = rawurlencode(rs_acl_password());
$forms = [
    "redis://:$pw@127.0.0.1:$port",
    "redis://$pw@127.0.0.1:$port",
    "tcp://127.0.0.1:$port?auth=$pw",
    "redis://$user:$upw@127.0.0.1:$port",
    "tcp://127.0.0.1:$port?auth[]=$user&auth[]=$upw",
    // phpredis's keyed forms: ACL user and password, and password only.
    "tcp://127.0.0.1:$port?auth[user]=$user&auth[pass]=$upw",
    "tcp://127.0.0.1:$port?auth[pass]=$pw",
];
$admin = new Resp("tcp://127.0.0.1:$port", rs_password());
foreach ($forms as $path) {
    $ok = rs_start($path);
    $id = session_id();
    $_SESSION['ok'] = 1;
    session_write_close();
    echo $ok && $admin->cmd('GET', "PHPREDIS_SESSION:$id") === 'ok|i:1;' ? "ok\n" : "FAILED $path\n";
}
rs_capture_warnings();
var_dump(rs_start("redis://:wrong@127.0.0.1:$port", rs_new_id('a')));
var_dump(rs_warnings());
var_dump(rs_start("redis://$user:wrong@127.0.0.1:$port", rs_new_id('a')));
echo implode("\n", rs_warnings()), "\n";
var_dump(rs_start("tcp://127.0.0.1:$port?auth[user]=$user&auth[pass]=wrong", rs_new_id('a')));
echo implode("\n", rs_warnings()), "\n";
// No password at all against a server that requires one.
var_dump(rs_start("redis://127.0.0.1:$port", rs_new_id('a')));
echo implode("\n", rs_warnings()), "\n";
?>
--EXPECTF--
ok
ok
ok
ok
ok
ok
ok
bool(false)
array(2) {
  [0]=>
  string(%d) "session_start(): rsession: redis 127.0.0.1:%d: cannot connect: "WRONGPASS": invalid username-password pair or user is disabled."
  [1]=>
  string(%d) "session_start(): Failed to read session data: rsession (path: redis://:wrong@127.0.0.1:%d)"
}
bool(false)
session_start(): rsession: redis 127.0.0.1:%d: cannot connect: "WRONGPASS": invalid username-password pair or user is disabled.
session_start(): Failed to read session data: rsession (path: redis://alice:wrong@127.0.0.1:%d)
bool(false)
session_start(): rsession: redis 127.0.0.1:%d: cannot connect: "WRONGPASS": invalid username-password pair or user is disabled.
session_start(): Failed to read session data: rsession (path: tcp://127.0.0.1:%d?auth[user]=alice&auth[pass]=wrong)
bool(false)
session_start(): rsession: redis 127.0.0.1:%d: lock+GET failed: "NOAUTH": Authentication required.
session_start(): Failed to read session data: rsession (path: redis://127.0.0.1:%d)
