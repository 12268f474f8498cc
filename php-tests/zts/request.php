<?php
// One request of a harness thread (php-tests/zts/harness.c): a locked increment of the thread's
// own session, then one of the session every thread shares; every FORK_EVERY-th request first
// forks a child that does a session cycle of its own. The harness sets, before this file runs:
//   $RUN (ids' prefix, new each run), $T (thread), $I (request), $MODE ('within': connect and
//   read timeouts of 3 s, longer than the store's stall; 'beyond': the defaults, 1 s, shorter),
//   $FORK (fork in this request).
// It reads back $R, this request's counts.
//
// A failed session_start(), or a write that warned, is tried again until it succeeds (up to 20
// s): the counts must come out exact all the same. A retry after a write that failed may find
// that the write reached the store after all (a reply lost in a timeout): each increment carries
// its own mark in the session, so a retry neither repeats an increment that landed nor misses
// one that did not, and the harness can tell how often that happened.
declare(strict_types=1);

require_once __DIR__ . '/read-back.php';
$R = [
    'starts_failed' => 0, 'writes_failed' => 0, 'landed_before_retry' => 0, 'gave_up' => 0,
    'slowest_failure_ms' => 0, 'slowest_start_ms' => 0, 'forks' => 0, 'fork_children_failed' => 0, 'fork_children_hung' => 0,
    'fork_writes_missing' => 0, 'fork_failed' => 0,
];
if ($MODE === 'within') {
    ini_set('rsession.connect_timeout', '3');
    ini_set('rsession.read_timeout', '3');
}

/** One locked increment of session $id, marked $mark; retried until it is stored. */
function increment(string $id, string $mark, array &$R, float $give_up_after = 20.0): bool
{
    $deadline = microtime(true) + $give_up_after;
    while (true) {
        $warnings = [];
        set_error_handler(function (int $no, string $text) use (&$warnings): bool {
            $warnings[] = $text;
            return true;
        });
        session_id($id);
        $started = microtime(true);
        $ok = session_start();
        if (!$ok) {
            restore_error_handler();
            $R['starts_failed']++;
            $R['slowest_failure_ms'] = max($R['slowest_failure_ms'], (int) ((microtime(true) - $started) * 1000));
            if (microtime(true) > $deadline) {
                $R['gave_up']++;
                return false;
            }
            usleep(10000);
            continue;
        }
        $R['slowest_start_ms'] = max($R['slowest_start_ms'], (int) ((microtime(true) - $started) * 1000));
        if (isset($_SESSION['marks'][$mark])) {
            // An earlier try's write was reported failed, yet reached the store.
            $R['landed_before_retry']++;
        } else {
            $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
            $_SESSION['marks'][$mark] = 1;
        }
        $before = count($warnings);
        $written = microtime(true);
        // PHP 8.2's session_write_close() returns true even when the handler's write failed:
        // the warning is what tells.
        $closed = session_write_close();
        restore_error_handler();
        if ($closed && count($warnings) === $before) {
            return true;
        }
        $R['writes_failed']++;
        $R['slowest_failure_ms'] = max($R['slowest_failure_ms'], (int) ((microtime(true) - $written) * 1000));
        if (microtime(true) > $deadline) {
            $R['gave_up']++;
            return false;
        }
    }
}


if ($FORK) {
    // A child forked from this request thread while the other threads run requests: its own
    // session cycle must work, and it must never hang (a lock another thread held at the fork).
    $R['forks']++;
    $child_id = "{$RUN}f{$T}x{$I}";
    $pid = pcntl_fork();
    if ($pid === 0) {
        $child = array_map(fn () => 0, $R);
        $ok = increment($child_id, 'child', $child, 8.0);
        // The harness ends the child (_exit) when this script returns in another process.
        exit($ok ? 0 : 1);
    }
    if ($pid < 0) {
        $R['fork_failed']++;
    } else {
        $deadline = microtime(true) + 10;
        while (($waited = pcntl_waitpid($pid, $status, WNOHANG)) === 0 && microtime(true) < $deadline) {
            usleep(2000);
        }
        if ($waited === 0) {
            // Hung: what it is stuck in, for the report (the first one of the process only).
            if (getenv('RSESSION_ZTS_BACKTRACE') && !file_exists(getenv('RSESSION_ZTS_BACKTRACE'))) {
                $bt = (string) shell_exec('timeout 20 gdb -p ' . $pid . ' -batch -ex bt 2>/dev/null');
                file_put_contents(getenv('RSESSION_ZTS_BACKTRACE'), preg_replace('/^(?!#).*\n/m', '', $bt));
            }
            posix_kill($pid, SIGKILL);
            pcntl_waitpid($pid, $status);
            $R['fork_children_hung']++;
        } elseif (!pcntl_wifexited($status) || pcntl_wexitstatus($status) !== 0) {
            $R['fork_children_failed']++;
        } elseif ((read_back($child_id)['n'] ?? null) !== 1) {
            $R['fork_writes_missing']++;
        }
    }
}

increment("{$RUN}own{$T}", "r$I", $R);
increment("{$RUN}shared", "t{$T}r$I", $R);
