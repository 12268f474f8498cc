<?php
// The README's Troubleshooting table quotes the messages users see. This check keeps it honest:
// every backticked fragment of a row's first column must be text that something really prints.
//
// - rsession's own messages: each piece of the fragment must come out of one string literal in
//   src/ (tests left out). In a literal, a format placeholder (`{}`, `{name:?}`) stands for any
//   one word, so the README can quote a message as printed, with example values
//   (`after waiting 30.0s`, `"-3"`). A piece must match at least 8 characters of the literal.
// - Pieces are what is left after cutting the fragment at `...`, `…` and `HOST:PORT`, which the
//   README writes where a message goes on with text from elsewhere (a server's error, an
//   address). Pieces shorter than 8 characters are not checked.
// - Messages rsession passes on from PHP, the store servers, the C library or a Rust crate are
//   listed in FROM_ELSEWHERE below, each checked in the program that holds it.
//
// So rewording a message in src/ without updating the README fails here. Prints one line per
// problem, then `readme: N passed, M failed` (rows, and FROM_ELSEWHERE entries found where they
// are said to come from). Run: php -n scripts/check-readme-messages.php

const MIN_PIECE = 8;
const PLACEHOLDERS = '/\.\.\.|…|\bHOST:PORT\b/u';
// Stands, in a template, for a format placeholder: any one word.
const WILD = "\x01";

// README text => [where it comes from, the text to find there]. Only text that rsession does
// not print itself: PHP's own warnings, a server's error replies, the system's error strings,
// and the redis crate's messages (compiled into rsession's library, not in its source).
const FROM_ELSEWHERE = [
    'Module "rsession" is already loaded' => ['php', 'Module "%s" is already loaded'],
    'Cannot find session save handler "rsession"' => ['php', 'Cannot find session save handler "%s"'],
    "Unable to load dynamic library 'rsession'" => ['php', "Unable to load dynamic library '%s'"],
    'syntax error, unexpected ' => ['php', 'syntax error, unexpected %s'],
    'Parent session handler is not open' => ['php', 'Parent session handler is not open'],
    'Failed to decode session object. Session has been destroyed' =>
        ['php', 'Failed to decode session object. Session has been destroyed'],
    'Connection refused' => ['libc', 'Connection refused'],
    'Connection reset by peer' => ['libc', 'Connection reset by peer'],
    'Permission denied' => ['libc', 'Permission denied'],
    'failed to lookup address information' => ['library', 'failed to lookup address information: '],
    '"WRONGPASS": invalid username-password pair' =>
        ['redis-server', 'WRONGPASS invalid username-password pair'],
    '"NOAUTH": Authentication required.' => ['redis-server', 'NOAUTH Authentication required.'],
    '"WRONGTYPE": Operation against a key holding the wrong kind of value' =>
        ['redis-server', 'WRONGTYPE Operation against a key holding the wrong kind of value'],
    '"OOM": command not allowed when used memory > \'maxmemory\'' =>
        ['redis-server', "OOM command not allowed when used memory > 'maxmemory'"],
    "unknown command '" => ['redis-server', "unknown command '%.128s', with args beginning with"],
    'ClusterDown: The cluster is down' => ['redis-server', 'CLUSTERDOWN The cluster is down'],
    "NoPerm: this user has no permissions to run the 'wait' command" =>
        ['redis-server', "NOPERM this user has no permissions to run the '%s' command"],
    'Parse error at ' => ['library', 'Parse error at '],
    'Failed to connect to each cluster node' => ['library', 'Failed to connect to each cluster node'],
    'ERROR Too many open connections' => ['memcached', 'ERROR Too many open connections'],
];

$root = dirname(__DIR__);
$problems = [];
$passed = 0;

/** The program each origin names, or why it cannot be looked at. */
function origin_file(string $origin, string $root): string
{
    $which = fn(string ...$names) => array_values(array_filter(array_map(
        fn($n) => trim((string) shell_exec('command -v ' . escapeshellarg($n) . ' 2>/dev/null')),
        $names
    )))[0] ?? '';
    switch ($origin) {
        case 'php':
            $file = $which('php8.2', 'php');
            break;
        case 'redis-server':
        case 'memcached':
            $file = $which($origin);
            break;
        case 'libc':
            // The C library PHP runs on, whose strerror() texts Rust's io errors quote.
            $php = $which('php8.2', 'php');
            preg_match('/libc\.so\.\d+ => (\S+)/', (string) shell_exec('ldd ' . escapeshellarg((string) realpath($php))), $m);
            $file = $m[1] ?? '';
            break;
        case 'library':
            $file = "$root/target/release/librsession.so";
            break;
        default:
            return '';
    }
    return $file === '' ? '' : (string) realpath($file);
}

/** Files under src/ that only tests compile: `#[cfg(test)] [#[path = "x.rs"]] mod name;`. */
function test_only_files(array $files): array
{
    $out = [];
    foreach ($files as $file) {
        $code = file_get_contents($file);
        if (!preg_match_all('/#\[cfg\(test\)\]\s*(?:#\[path\s*=\s*"([^"]+)"\]\s*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;/', $code, $m, PREG_SET_ORDER)) {
            continue;
        }
        $dir = dirname($file);
        $base = basename($file, '.rs');
        // A module declared in foo.rs lives in foo/; in mod.rs or lib.rs, beside it.
        $modDir = in_array($base, ['mod', 'lib', 'main'], true) ? $dir : "$dir/$base";
        foreach ($m as $decl) {
            if ($decl[1] !== '') {
                $out[] = realpath("$dir/{$decl[1]}");
            } else {
                $out[] = realpath("$modDir/{$decl[2]}.rs") ?: realpath("$modDir/{$decl[2]}/mod.rs");
            }
        }
    }
    return array_filter($out);
}

/** The string literals of Rust code, as written between the quotes, and whether raw. */
function string_literals(string $code): array
{
    $out = [];
    $n = strlen($code);
    $i = 0;
    while ($i < $n) {
        $c = $code[$i];
        if ($c === '/' && ($code[$i + 1] ?? '') === '/') {
            $i = strpos($code, "\n", $i) ?: $n;
            continue;
        }
        if ($c === '/' && ($code[$i + 1] ?? '') === '*') {
            $end = strpos($code, '*/', $i + 2);
            $i = $end === false ? $n : $end + 2;
            continue;
        }
        if ($c === "'") {
            // A char literal ('a', '\'', '"', '\u{1F600}', 'é'), or a lifetime ('a).
            if (preg_match("/\\G'(?:\\\\(?:u\\{[0-9a-fA-F]+\\}|x[0-9a-fA-F]{2}|.)|[^\\\\'\\n][\\x80-\\xBF]*)'/", $code, $m, 0, $i)) {
                $i += strlen($m[0]);
            } else {
                $i++;
            }
            continue;
        }
        $prev = $i > 0 ? $code[$i - 1] : ' ';
        $startsToken = !preg_match('/[A-Za-z0-9_]/', $prev);
        if ($startsToken && preg_match('/\G(?:b|c)?r(#*)"/', $code, $m, 0, $i)) {
            $open = strlen($m[0]);
            $close = '"' . $m[1];
            $end = strpos($code, $close, $i + $open);
            $end = $end === false ? $n : $end;
            $out[] = [substr($code, $i + $open, $end - $i - $open), true];
            $i = $end + strlen($close);
            continue;
        }
        if ($c === '"' || ($startsToken && preg_match('/\G[bc]"/', $code, $m, 0, $i))) {
            $j = $c === '"' ? $i + 1 : $i + 2;
            $start = $j;
            while ($j < $n && $code[$j] !== '"') {
                $j += $code[$j] === '\\' ? 2 : 1;
            }
            $out[] = [substr($code, $start, $j - $start), false];
            $i = $j + 1;
            continue;
        }
        $i++;
    }
    return $out;
}

/** A literal as the program sees it, with each format placeholder turned into WILD. */
function template(string $raw, bool $isRaw): string
{
    $text = $raw;
    if (!$isRaw) {
        $text = preg_replace_callback(
            '/\\\\(?:\n\s*|u\{([0-9a-fA-F]+)\}|x([0-9a-fA-F]{2})|(.))/s',
            function ($m) {
                if (($m[1] ?? '') !== '') {
                    return utf8_char(hexdec($m[1]));
                }
                if (($m[2] ?? '') !== '') {
                    return chr(hexdec($m[2]));
                }
                if (!isset($m[3])) {
                    return ''; // a line continuation: the newline and the indentation go
                }
                return ['n' => "\n", 't' => "\t", 'r' => "\r", '0' => "\0"][$m[3]] ?? $m[3];
            },
            $text
        );
    }
    return preg_replace_callback(
        '/\{\{|\}\}|\{[A-Za-z0-9_.]*(?::[^{}]*)?\}/',
        fn($m) => $m[0] === '{{' ? '{' : ($m[0] === '}}' ? '}' : WILD),
        $text
    );
}

function utf8_char(int $cp): string
{
    if ($cp < 0x80) return chr($cp);
    if ($cp < 0x800) return chr(0xC0 | $cp >> 6) . chr(0x80 | $cp & 0x3F);
    if ($cp < 0x10000) return chr(0xE0 | $cp >> 12) . chr(0x80 | $cp >> 6 & 0x3F) . chr(0x80 | $cp & 0x3F);
    return chr(0xF0 | $cp >> 18) . chr(0x80 | $cp >> 12 & 0x3F) . chr(0x80 | $cp >> 6 & 0x3F) . chr(0x80 | $cp & 0x3F);
}

/**
 * Whether `piece` is part of what one template prints: each of its characters is the
 * template's own, or part of the one word a placeholder printed (never a space), and at least
 * MIN_PIECE of them are the template's own. `haystack` holds every template, one per line.
 */
function printed_by_src(string $piece, string $haystack): bool
{
    $w = preg_quote(WILD, '/');
    $parts = [];
    foreach (str_split($piece) as $ch) {
        $parts[] = $ch === ' '
            ? ' '
            // The template's own character, the placeholder starting here, or more of the word
            // a placeholder began just before.
            : '(?:' . preg_quote($ch, '/') . "|$w|(?<=$w))";
    }
    // A placeholder may also print nothing, anywhere.
    $re = "/$w?" . implode("$w?", $parts) . "$w?/";
    $offset = 0;
    while (preg_match($re, $haystack, $m, PREG_OFFSET_CAPTURE, $offset)) {
        [$text, $at] = $m[0];
        if (strlen($text) - substr_count($text, WILD) >= MIN_PIECE) {
            return true;
        }
        $offset = $at + 1;
    }
    return false;
}

// The templates: every string literal of the code that ships.
$files = [];
$it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator("$root/src", FilesystemIterator::SKIP_DOTS));
foreach ($it as $f) {
    if (substr($f->getFilename(), -3) === '.rs') {
        $files[] = realpath($f->getPathname());
    }
}
sort($files);
$testOnly = test_only_files($files);
$templates = [];
foreach (array_diff($files, $testOnly) as $file) {
    $code = file_get_contents($file);
    // A file's unit tests: `#[cfg(test)] mod tests { ... }`, to the end of the file.
    if (preg_match('/^#\[cfg\(test\)\]\s*\n\s*mod\s+\w+\s*\{/m', $code, $m, PREG_OFFSET_CAPTURE)) {
        $code = substr($code, 0, $m[0][1]);
    }
    foreach (string_literals($code) as [$raw, $isRaw]) {
        $t = template($raw, $isRaw);
        if (strlen($t) - substr_count($t, WILD) >= MIN_PIECE) {
            $templates[] = str_replace("\n", ' ', $t);
        }
    }
}
$haystack = implode("\n", $templates);
if (count($templates) < 100) {
    $problems[] = "only " . count($templates) . " string literals read from src/: the reader is broken";
}

// The rows.
$readme = file_get_contents("$root/README.md");
if (!preg_match('/^## Troubleshooting\n(.*?)(?=^## )/ms', $readme, $section)) {
    fwrite(STDOUT, "readme: no '## Troubleshooting' section in README.md\nreadme: 0 passed, 1 failed\n");
    exit(1);
}
$rows = [];
foreach (explode("\n", $section[1]) as $line) {
    if (preg_match('/^\|(.*?)(?<!\\\\)\|/', $line, $m) && !preg_match('/^\|\s*-+/', $line)) {
        $rows[] = trim($m[1]);
    }
}
array_shift($rows); // the header
if (count($rows) < 10) {
    $problems[] = 'the Troubleshooting table has ' . count($rows) . ' rows: the reader is broken';
}

$used = [];
foreach ($rows as $n => $cell) {
    $row = $n + 1;
    preg_match_all('/`([^`]+)`/', $cell, $m);
    if (!$m[1]) {
        $problems[] = "row $row: no `quoted` message in the first column: $cell";
        continue;
    }
    $ok = true;
    foreach ($m[1] as $fragment) {
        $checked = 0;
        $rest = $fragment;
        foreach (FROM_ELSEWHERE as $text => $_) {
            if (strpos($rest, $text) !== false) {
                $used[$text] = true;
                $rest = str_replace($text, '...', $rest);
                $checked++;
            }
        }
        foreach (preg_split(PLACEHOLDERS, $rest) as $piece) {
            $piece = trim($piece);
            if (strlen($piece) < MIN_PIECE) {
                continue;
            }
            $checked++;
            if (!printed_by_src($piece, $haystack)) {
                $problems[] = "row $row: `$fragment`: \"$piece\" is printed by no string in src/ (reworded there?)";
                $ok = false;
            }
        }
        if ($checked === 0) {
            $problems[] = "row $row: `$fragment` has nothing to check (no piece of " . MIN_PIECE . " characters)";
            $ok = false;
        }
    }
    $ok ? $passed++ : null;
}
$failedRows = count($rows) - $passed;

// The messages from elsewhere: each used by a row, and found where it is said to come from.
$failedElsewhere = 0;
$contents = [];
foreach (FROM_ELSEWHERE as $text => [$origin, $there]) {
    $file = origin_file($origin, $root);
    if (!isset($used[$text])) {
        $problems[] = "FROM_ELSEWHERE: \"$text\" is quoted by no row: remove it";
        $failedElsewhere++;
    } elseif ($file === '' || !is_readable($file)) {
        $problems[] = "FROM_ELSEWHERE: \"$text\": cannot look in $origin" .
            ($origin === 'library' ? ' (target/release/librsession.so: run make build)' : ' (not installed?)');
        $failedElsewhere++;
    } elseif (strpos($contents[$file] ??= file_get_contents($file), $there) === false) {
        $problems[] = "FROM_ELSEWHERE: \"$text\": \"$there\" is not in $file";
        $failedElsewhere++;
    } else {
        $passed++;
    }
}

foreach ($problems as $p) {
    echo "readme: $p\n";
}
$failed = $failedRows + $failedElsewhere + (count($problems) > 0 && $failedRows + $failedElsewhere === 0 ? 1 : 0);
printf(
    "readme: %d passed, %d failed (%d Troubleshooting rows checked against src/, %d messages from PHP, the servers, libc and the redis crate checked where they come from)\n",
    $passed,
    $failed,
    count($rows),
    count(FROM_ELSEWHERE)
);
exit($failed === 0 ? 0 : 1);
