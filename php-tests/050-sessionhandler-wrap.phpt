--TEST--
Classes extending SessionHandler: create_sid never returns NULL (no segfault), whatever state the store is in
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
// transports: tcp
require __DIR__ . '/inc/helpers.php';
rs_capture_warnings();

// open() overridden without calling the parent: rsession's storage is never opened, yet PHP
// asks it for a new id through SessionHandler::create_sid().
class H extends SessionHandler { public function open($p, $n): bool { return true; } }
class W extends SessionHandler {}

ini_set('session.save_path', rs_path());
session_set_save_handler(new H);
session_id('');
var_dump(session_start());
echo "still alive\n";
echo implode("\n", rs_warnings()), "\n";

// A plain wrapper over a store that is down: create_sid cannot check for collisions.
ini_set('session.save_path', 'redis://127.0.0.1:' . rs_down_port());
session_set_save_handler(new W);
session_id('');
var_dump(session_start());
echo "still alive\n";
echo implode("\n", rs_warnings()), "\n";

// The id create_sid hands out when it cannot ask the store still comes from PHP's generator.
$h = new W;
ini_set('session.save_path', rs_path());
session_set_save_handler($h);
session_id('');
var_dump(session_start());
$id = session_id();
var_dump(strlen($id) === (int) ini_get('session.sid_length'), (bool) preg_match('/^[a-v0-9]+$/', $id));
var_dump(strlen($h->create_sid()));
$_SESSION['n'] = 41;
session_write_close();

// And it works end to end through the wrapper.
session_id($id);
var_dump(session_start(), $_SESSION['n']);
$_SESSION['n']++;
session_write_close();
var_dump(str_contains((string) rs_redis()->cmd('GET', "PHPREDIS_SESSION:$id"), 'n|i:42;'));
rs_redis()->cmd('DEL', "PHPREDIS_SESSION:$id");
echo implode("\n", rs_warnings()), "\n";
?>
--EXPECTF--
bool(false)
still alive
SessionHandler::read(): Parent session handler is not open
SessionHandler::close(): Parent session handler is not open
session_start(): Failed to read session data: user (path: redis://127.0.0.1:%d)
bool(false)
still alive
SessionHandler::read(): rsession: redis 127.0.0.1:%d: cannot connect: Connection refused (os error 111)
session_start(): Failed to read session data: user (path: redis://127.0.0.1:%d)
bool(true)
bool(true)
bool(true)
int(32)
bool(true)
int(41)
bool(true)
