--TEST--
Several Redis hosts: each session's lock lives on its own host, concurrent requests lose nothing on either host, a down host fails only its own sessions, at once, naming it; each entry keeps its own auth
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.cache_limiter=
session.use_strict_mode=0
rsession.lock_wait_timeout=5
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
$ports = [rs_free_port(), rs_free_port()];
$servers = array_map('rs_redis_server', $ports);
$admins = array_map(fn ($p) => new Resp("tcp://127.0.0.1:$p"), $ports);
$path = "tcp://127.0.0.1:$ports[0]?weight=1, tcp://127.0.0.1:$ports[1]?weight=1";
$ours = fn (string $text) => str_replace($ports, ['P0', 'P1'], $text);
/** Which host holds $key: "0", "1", "none" or "both". */
$where = function (string $key) use ($admins): string {
    $on = array_keys(array_filter($admins, fn ($a) => $a->cmd('EXISTS', $key) === 1));
    return match (count($on)) { 0 => 'none', 1 => (string) $on[0], default => 'both' };
};

// Ten sessions per host, sorted by where they land.
$ids = [[], []];
for ($tries = 0; $tries < 200 && (count($ids[0]) < 10 || count($ids[1]) < 10); $tries++) {
    rs_start($path);
    $id = session_id();
    $_SESSION['n'] = 0;
    session_write_close();
    $host = (int) $where("PHPREDIS_SESSION:$id");
    if (count($ids[$host]) < 10) { $ids[$host][] = $id; }
}
if (count($ids[1]) < 10) { echo "sessions did not spread: ", count($ids[0]), '/', count($ids[1]), "\n"; array_map('rs_kill', $servers); exit; }

// 1. A session's lock is taken on the host of its data, and released there.
foreach ([0, 1] as $host) {
    $id = $ids[$host][0];
    rs_start($path, $id);
    echo "host $host session: data on ", $where("PHPREDIS_SESSION:$id"), ", lock on ", $where("PHPREDIS_SESSION:{$id}_LOCK");
    session_write_close();
    echo ", after close lock on ", $where("PHPREDIS_SESSION:{$id}_LOCK"), "\n";
}

// 2. 4 processes x 25 increments of one session on each host: no update lost on either.
$code = '$path = ' . var_export($path, true) . '; $ids = ' . var_export([$ids[0][0], $ids[1][0]], true) . ';'
    . 'for ($i = 0; $i < 25; $i++) { foreach ($ids as $id) {'
    . '  if (!rs_start($path, $id)) { fwrite(STDERR, "start failed\n"); exit(1); }'
    . '  $n = $_SESSION["n"]; usleep(1000); $_SESSION["n"] = $n + 1; session_write_close();'
    . '} }';
$children = [];
for ($c = 0; $c < 4; $c++) { $children[] = rs_child($code); }
foreach ($children as [$proc, $pipe]) {
    [$said, $exit] = rs_child_end($proc, $pipe);
    if ($exit !== 0 || $said !== '') { echo "child failed ($exit): $said\n"; }
}
foreach ([0, 1] as $host) {
    rs_start($path, $ids[$host][0]);
    echo "host $host counter: {$_SESSION['n']}\n";
    session_write_close();
}

// 3. A session held by another request makes only itself wait; the warning names every host.
rs_capture_warnings();
ini_set('rsession.lock_wait_timeout', '0.3');
[$proc, $pipe] = rs_child('rs_start(' . var_export($path, true) . ', ' . var_export($ids[1][1], true) . '); fwrite(STDERR, "locked\n"); usleep(1500000); session_write_close();');
echo rs_child_says($pipe), "\n";
$t = microtime(true);
var_dump(rs_start($path, $ids[0][1]));
session_write_close();
echo microtime(true) - $t < 0.1 ? "the other host's session started at once\n" : "the other host's session waited\n";
var_dump(rs_start($path, $ids[1][1]));
echo $ours(preg_replace('/session \S+…/', 'session ID…', rs_warnings()[0] ?? 'no warning')), "\n";
rs_child_end($proc, $pipe);
rs_warnings();
ini_set('rsession.lock_wait_timeout', '5');

// 4. Host 1 goes down: its sessions fail at once with a warning naming it; host 0's work on.
rs_kill($servers[1]);
$started = [0, 0];
$slowest = 0.0;
$warnings = [];
foreach ([0, 1] as $host) {
    foreach ($ids[$host] as $id) {
        $t = microtime(true);
        if (rs_start($path, $id)) {
            $started[$host]++;
            $_SESSION['n']++;
            session_write_close();
        }
        $slowest = max($slowest, microtime(true) - $t);
        $warnings = array_merge($warnings, rs_warnings());
    }
}
echo "host 0 down? no: $started[0]/10 started; host 1 down: $started[1]/10 started; slowest ", $slowest < 0.5 ? 'under 0.5 s' : "$slowest s", "\n";
echo $ours($warnings[0]), "\n";
$named = count(array_filter($warnings, fn ($w) => str_contains($w, "rsession: redis 127.0.0.1:$ports[1]: cannot connect: Connection refused")));
echo "$named warnings name the down host\n";
// New sessions: the ones whose fresh id lands on host 0 start, the others fail.
$new = [0, 0];
for ($i = 0; $i < 20; $i++) {
    $new[rs_start($path) ? 1 : 0]++;
    if (session_status() === PHP_SESSION_ACTIVE) { session_write_close(); }
}
rs_warnings();
echo "new sessions: ", $new[1] > 0 && $new[0] > 0 ? 'some started, some failed' : "started $new[1], failed $new[0]", "\n";
rs_kill($servers[0]);

// 5. Each entry has its own auth: the plain test server and the auth server (ACL user).
$mixed = 'tcp://127.0.0.1:' . rs_port() . ', tcp://127.0.0.1:' . rs_auth_port()
    . '?auth[user]=' . rs_acl_user() . '&auth[pass]=' . rawurlencode(rs_acl_password());
$plain = rs_redis();
$auth = new Resp('tcp://127.0.0.1:' . rs_auth_port(), rs_password());
$found = [0, 0];
for ($i = 0; $i < 20; $i++) {
    $id = bin2hex(random_bytes(13)); // placed by its first 4 bytes: no common tag in front
    if (!rs_start($mixed, $id)) { continue; }
    $_SESSION['i'] = $i;
    session_write_close();
    $found[0] += $plain->cmd('EXISTS', "PHPREDIS_SESSION:$id");
    $found[1] += $auth->cmd('EXISTS', "PHPREDIS_SESSION:$id");
}
echo "20 sessions over a plain and an ACL-protected host: ", $found[0] + $found[1], " stored, ", $found[0] > 0 && $found[1] > 0 ? 'on both' : 'not on both', "\n";
echo implode("\n", rs_warnings()), "\n";
?>
--EXPECTF--
host 0 session: data on 0, lock on 0, after close lock on none
host 1 session: data on 1, lock on 1, after close lock on none
host 0 counter: 100
host 1 counter: 100
locked
bool(true)
the other host's session started at once
bool(false)
session_start(): rsession: redis 127.0.0.1:P0 (weight 1/2), 127.0.0.1:P1 (weight 1/2): session ID…: still locked by another request after waiting 0.3s (rsession.lock_wait_timeout)
host 0 down? no: 10/10 started; host 1 down: 0/10 started; slowest under 0.5 s
session_start(): rsession: redis 127.0.0.1:P1: cannot connect: Connection refused (os error 111)
10 warnings name the down host
new sessions: some started, some failed
20 sessions over a plain and an ACL-protected host: 20 stored, on both
