<?php
// The pinned benchmark's report: a markdown table per placement and the issue's targets, met or
// not, from pinned.php's JSON (one file per placement) and the strace log of its trace pass.
//   php pinned-report.php <strace log> <placement.json>...

[, $log] = $argv;
$placements = array_map(fn ($f) => json_decode(file_get_contents($f), true, flags: JSON_THROW_ON_ERROR), array_slice($argv, 2));

function median(array $xs): float {
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
}

/** Per configuration, per cycle: socket writes (sendto, sendmsg, write, writev on a socket fd;
 * PHP's own stdout and stderr are not sockets), round trips (a reply read after a send: the first
 * read that returns data on a socket after sends on it, so a pipelined batch, a request written
 * in pieces or a reply read in pieces counts once, and a send nobody waits for, such as a quit,
 * counts none) and connects. From `strace -f -y`, between pinned.php's
 * "@@block <config> <cycles>" and "@@end" markers. */
function syscalls(string $log): array {
    $out = [];
    $block = null;
    $pending = [];
    foreach (file($log) as $line) {
        if (preg_match('/"@@block (.+) (\d+)\\\\n"/', $line, $m)) {
            $block = $m[1];
            $out[$block] = ['writes' => 0, 'rt' => 0, 'connects' => 0, 'cycles' => (int) $m[2]];
            $waiting = []; // socket => sent since its last reply
            continue;
        }
        if (str_contains($line, '"@@end\n"')) {
            $block = null;
            continue;
        }
        // A call another thread interrupted is logged in two parts: "<unfinished ...>" with the
        // fd, then "<... call resumed> ... = ret".
        if (preg_match('/^(\d+) +(\w+)\(\d+<([^>]*)>.*<unfinished \.\.\.>$/', $line, $m)) {
            $pending[$m[1]] = [$m[2], $m[3]];
            continue;
        }
        if (preg_match('/^(\d+) +<\.\.\. (\w+) resumed>.*= (-?\d+)/', $line, $m)) {
            [$call, $fd] = $pending[$m[1]] ?? ['', ''];
            unset($pending[$m[1]]);
            $ret = (int) $m[3];
        } elseif (preg_match('/^\d+ +(\w+)\(\d+<([^>]*)>.*= (-?\d+)/', $line, $m)) {
            [, $call, $fd, $ret] = $m;
            $ret = (int) $ret;
        } else {
            continue;
        }
        if ($block === null || !str_starts_with($fd, 'socket:')) {
            continue;
        }
        $b = &$out[$block];
        if (in_array($call, ['sendto', 'sendmsg', 'write', 'writev'], true)) {
            $b['writes']++;
            $waiting[$fd] = true;
        } elseif (in_array($call, ['recvfrom', 'recvmsg', 'read', 'readv'], true) && $ret > 0 && ($waiting[$fd] ?? false)) {
            $b['rt']++;
            $waiting[$fd] = false;
        } elseif ($call === 'connect') {
            $b['connects']++;
        }
        unset($b);
    }
    foreach ($out as $config => $b) {
        foreach (['writes', 'rt', 'connects'] as $k) {
            $out[$config][$k] = $b[$k] / $b['cycles'];
        }
    }
    return $out;
}

$fmt = fn (float $x) => rtrim(rtrim(sprintf('%.2f', $x), '0'), '.');
$traced = syscalls($log);
$targets = [];
$md = '';
foreach ($placements as $p) {
    $rates = $p['rates'];
    $stores = $p['stores'];
    $rate = fn (string $c) => median($rates[$c]);
    // The configuration a handler runs in a locking mode: its own, or its only one.
    $config = fn (string $h, string $mode) => $p['switches'][$h] === null ? "$h|always" : "$h|$mode";
    // A handler that never locks has no locking-on configuration.
    $runs = fn (string $h, string $mode) => isset($rates[$config($h, $mode)]);
    // rsession's rate over the peer's, paired within each round; the median of those.
    $ratio = fn (string $h, string $mode) => median(array_map(fn ($ours, $theirs) => $ours / $theirs,
        $rates["rsession/{$stores[$h]}|$mode"], $rates[$config($h, $mode)]));
    // The floor: one client's round trips per second, the faster of the clients measured.
    $floor = ['redis' => max(median($rates['redis-benchmark']), median($rates['redis loop'])), 'memcached' => median($rates['memcached loop'])];
    // A cluster's nodes are Redis servers: the same floor.
    $floor['redis cluster'] = $floor['redis'];

    $md .= "### {$p['placement']}\n\n";
    $md .= sprintf("Floor, one client's round trips per second on one connection (median of the rounds): Redis %d with `redis-benchmark -c 1 -t get`, %d with a PHP loop of `GET`; memcached %d with the same PHP loop of `get`. The 2-round-trip floor is half the faster one in cycles/s: Redis %d, memcached %d.\n\n",
        median($rates['redis-benchmark']), median($rates['redis loop']), $floor['memcached'], $floor['redis'] / 2, $floor['memcached'] / 2);
    $md .= "| handler | locking | cycles/s | rsession ÷ handler | round trips/cycle | server count/cycle | socket writes/cycle | connects/cycle | of 2-RT floor |\n";
    $md .= "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    foreach (['on', 'off'] as $mode) {
        foreach ($stores as $h => $store) {
            if (!$runs($h, $mode)) {
                continue;
            }
            $c = $config($h, $mode);
            $t = $traced[$c] ?? null;
            $counted = median($p['counted'][$c]);
            $md .= sprintf("| %s | %s | %d | %s | %s | %s | %s | %s | %.2f |\n", $h, str_ends_with($c, '|always') ? 'always (no switch)' : $mode,
                $rate($c), str_starts_with($h, 'rsession/') ? '' : sprintf('%.2fx', $ratio($h, $mode)),
                $t ? $fmt($t['rt']) : '?', $counted < 0 ? '–' : $fmt($counted), $t ? $fmt($t['writes']) : '?', $t ? $fmt($t['connects']) : '?',
                $rate($c) / ($floor[$store] / 2));
        }
    }
    $md .= "\n";

    // The targets: against the strongest configuration of each peer (the higher median rate).
    $strongest = function (array $hs, string $mode) use ($rate, $config) {
        usort($hs, fn ($a, $b) => $rate($config($b, $mode)) <=> $rate($config($a, $mode)));
        return $hs[0];
    };
    $peers = [['php-memcached', 'php-memcached persistent'], ['pecl memcache'], ['phpredis', 'phpredis persistent']];
    if (isset($stores['phpredis cluster'])) {
        $peers[] = ['phpredis cluster'];
    }
    foreach (['on' => 1.2, 'off' => 1.0] as $mode => $goal) {
        foreach ($peers as $hs) {
            if (!$runs($hs[0], $mode)) {
                continue;
            }
            $h = $strongest($hs, $mode);
            $info = $stores[$h] !== 'memcached';
            $targets[] = [$info ? null : $goal, 'x', $ratio($h, $mode), sprintf('%s, locking %s: rsession/%s ÷ %s%s', $p['placement'], $mode,
                $stores[$h], $h, count($hs) > 1 ? ' (the stronger of plain and persistent)' : ($p['switches'][$h] === null ? ' (always locks)' : ''))];
        }
        $targets[] = [0.85, '', $rate("rsession/memcached|$mode") / ($floor['memcached'] / 2),
            "{$p['placement']}, locking $mode: rsession/memcached's cycles/s as a fraction of the 2-round-trip floor"];
        // What a mode of Redis costs per cycle against one plain server, paired within each round.
        foreach (['redis cluster' => 'cluster routing', 'redis tls' => 'TLS (the same server, through its TLS port)'] as $store => $what) {
            if (!isset($rates["rsession/$store|$mode"])) {
                continue;
            }
            $extra = median(array_map(fn ($mode_rate, $plain) => 1e6 / $mode_rate - 1e6 / $plain,
                $rates["rsession/$store|$mode"], $rates["rsession/redis|$mode"]));
            $targets[] = [null, ' µs per cycle', $extra, sprintf('%s, locking %s: %s, rsession/%s against rsession/redis (%.2fx the cycles/s)',
                $p['placement'], $mode, $what, $store, $rate("rsession/$store|$mode") / $rate("rsession/redis|$mode"))];
        }
    }
}

$md .= "Targets (issue 9; the Redis lines are for information):\n\n";
foreach ($targets as [$goal, $unit, $value, $what]) {
    $md .= $goal === null ? sprintf("- info: %s: %.2f%s\n", $what, $value, $unit)
        : sprintf("- %s: %s: %.2f%s (target >= %.2f%s)\n", $value >= $goal ? 'met' : 'NOT MET', $what, $value, $unit, $goal, $unit);
}
echo $md;
