--TEST--
memcached ASCII authentication (memcached -Y): user:password@ before the nodes authenticates each new connection; a wrong password or none fails with a warning that says so, without the password
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
rsession.locking=1
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();
$dir = rs_env('RSESSION_RUN', dirname(__DIR__) . '/.run') . '/tests';
@mkdir($dir, 0700, true);
$file = "$dir/auth-" . getmypid() . '-' . bin2hex(random_bytes(4));
file_put_contents($file, "alice:s3cret-pw\nbob:other\n");
$node = mc_new_address();
$server = mc_server($node, ['-Y', $file]);
$with = fn (string $user, string $password) => "memcached://$user:$password@$node";
$show = fn () => implode("\n", array_map(fn ($w) => str_replace($node, 'NODE', $w), rs_warnings()));

echo "== right user and password\n";
var_dump(rs_start($with('alice', 's3cret-pw')));
$id = session_id();
$_SESSION['n'] = 1;
session_write_close();
var_dump(rs_start($with('alice', 's3cret-pw'), $id), $_SESSION['n']);
session_write_close();
// The same node with another user is another pool: it authenticates as bob.
var_dump(rs_start($with('bob', 'other'), $id), $_SESSION['n']);
session_write_close();
echo $show(), "\n";

echo "== wrong password\n";
var_dump(rs_start($with('alice', 'wrong-pw'), $id));
$warnings = $show();
echo $warnings, "\n";
// PHP's own warning quotes session.save_path as written, for every handler (see the README).
$ours = implode("\n", preg_grep('/^session_start\(\): rsession:/', explode("\n", $warnings)));
echo "password in rsession's warning: ", json_encode(str_contains($ours, 'wrong-pw')), "\n";

echo "== no user\n";
var_dump(rs_start("memcached://$node?retry_interval=0", $id));
echo $show(), "\n";
rs_kill($server);
unlink($file);
?>
--EXPECTF--
== right user and password
bool(true)
bool(true)
int(1)
bool(true)
int(1)

== wrong password
bool(false)
session_start(): rsession: memcached %SNODE: cannot connect: authentication as "alice" refused: check the user and password against memcached's -Y file
session_start(): Failed to read session data: rsession (path: memcached://alice:wrong-pw@NODE)
password in rsession's warning: false
== no user
bool(false)
session_start(): rsession: memcached %SNODE: lock+get failed: the server requires authentication (memcached -Y): put user:password@ before the nodes in session.save_path
session_start(): Failed to read session data: rsession (path: memcached://NODE?retry_interval=0)
