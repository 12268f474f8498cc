<?php
// The end of a harness run (php-tests/zts/harness.c), in its main thread once every request
// thread is done: reads the sessions back, checks the counts and prints the report, ending with
// "zts-harness: N passed, M failed". The harness sets $RUN, $THREADS, $REQUESTS (per thread),
// $MODE, $STALL_MS (0: no stall made), $SECONDS, and $R, every request's counts added up.
// It reads back $FAILED.
declare(strict_types=1);

require_once __DIR__ . '/read-back.php';
$passed = 0;
$FAILED = 0;
function check(bool $ok, string $what): void
{
    global $passed, $FAILED;
    $ok ? $passed++ : $FAILED++;
    echo $ok ? '  ok   ' : '  FAIL ', $what, "\n";
}

$total = $THREADS * $REQUESTS;
$timeouts = $MODE === 'within' ? 'connect and read timeouts 3 s' : 'default timeouts (1 s)';
$stall = $STALL_MS > 0 ? "a {$STALL_MS} ms stall (CLIENT PAUSE ALL), $timeouts" : 'no stall';
printf("zts-harness: %d threads x %d requests, %s, %.1f s\n", $THREADS, $REQUESTS, $stall, $SECONDS);
printf("  session_start() failed %d, writes failed %d, written although reported failed %d, gave up %d; slowest failure %d ms, slowest session_start() %d ms\n",
    $R['starts_failed'], $R['writes_failed'], $R['landed_before_retry'], $R['gave_up'], $R['slowest_failure_ms'], $R['slowest_start_ms']);

$shared = read_back("{$RUN}shared");
$n = $shared['n'] ?? null;
$marks = count($shared['marks'] ?? []);
printf("  shared session: %s increments, %d distinct (expected %d)\n", var_export($n, true), $marks, $total);
check($n === $total && $marks === $total, "one shared locked session: $THREADS x $REQUESTS = $total increments, none lost or doubled");

$exact = 0;
$wrong = [];
for ($t = 0; $t < $THREADS; $t++) {
    $own = read_back("{$RUN}own{$t}");
    if (($own['n'] ?? null) === $REQUESTS && count($own['marks'] ?? []) === $REQUESTS) {
        $exact++;
    } else {
        $wrong[] = "thread $t: " . var_export($own['n'] ?? null, true);
    }
}
printf("  own sessions: %d of %d with exactly %d increments%s\n", $exact, $THREADS, $REQUESTS, $wrong ? ' (' . implode(', ', $wrong) . ')' : '');
check($exact === $THREADS, "each thread's own session: $REQUESTS increments");
check($R['requests_broken'] === 0 && $R['gave_up'] === 0, 'every request ran to its end, every session cycle succeeded (retries included)');
if ($STALL_MS > 0) {
    // Otherwise the checks below prove nothing about stalls.
    check($R['slowest_start_ms'] >= 1000 || $R['starts_failed'] + $R['writes_failed'] > 0,
        'the stall reached the requests (a session_start() waited 1 s or more, or failed)');
}
if ($MODE === 'within') {
    // A stall shorter than the timeouts must cost no request, whatever the number of threads
    // sharing the process's pool.
    check($R['starts_failed'] === 0 && $R['writes_failed'] === 0,
        'a stall shorter than the timeouts fails no session_start() and no write');
} elseif ($STALL_MS > 0) {
    // Longer than the read timeout: requests fail, but each within its timeouts: a wait for a
    // free connection (at most connect + read timeout, 2 s), then the call's own connect and
    // read (2 s), and 1 s of slack; not after a lock wait (30 s) or later.
    check($R['slowest_failure_ms'] < 5000, 'each failure during the stall comes within the timeouts (< 5 s)');
}
// Once the store answers again, sessions go on at once: no lock left behind by a request that
// failed in the stall holds the shared session until it expires (30 s). The bound: the stall,
// then a connect and a read timeout, and 2 s of slack for a busy machine.
$timeout_ms = $MODE === 'within' ? 3000 : 1000;
$bound_ms = $STALL_MS + 2 * $timeout_ms + 2000;
check($R['slowest_start_ms'] < $bound_ms, "no session_start() that succeeds waits longer than $bound_ms ms");

$forks = $R['forks'];
printf("  forks from request threads: %d; children hung (killed after 10 s) %d, failed %d, write missing %d, fork() failed %d\n",
    $forks, $R['fork_children_hung'], $R['fork_children_failed'], $R['fork_writes_missing'], $R['fork_failed']);
check($forks > 0 && $R['fork_children_hung'] === 0, "no forked child hangs ($forks forks)");
check($forks > 0 && $R['fork_children_failed'] + $R['fork_writes_missing'] + $R['fork_failed'] === 0,
    'every forked child stores its own session');

$stats = function_exists('rsession_stats') ? rsession_stats() : [];
$errors = array_filter($stats['errors'] ?? [], fn ($v) => is_int($v) && $v > 0);
printf("  rsession_stats() of the process: connections opened %s, errors: %s\n", var_export($stats['connections_opened'] ?? null, true),
    $errors ? implode(', ', array_map(fn ($k, $v) => "$k $v", array_keys($errors), $errors)) : 'none');
echo "zts-harness: $passed passed, $FAILED failed\n";
