<?php
// Rewrites a copy of PHP's ext/session tests so that a given native handler is the one they use.
//   php scripts/ext-session-rewrite.php DIR HANDLER SAVE_PATH [PHP_ARG ...]
// Used by scripts/ext-session.sh. PHP_ARGs load the handler's extension (-d extension=...).
// In every .phpt of DIR:
// - the INI's session.save_handler, when it is "files" or not set (PHP's default is files), becomes
//   HANDLER, and session.save_path becomes SAVE_PATH. A test that names another handler in its
//   INI (user, or a missing module on purpose) is left alone: it does not use the native one.
// - `ini_set('session.save_handler', 'files');` as a statement of its own (two tests switch to the
//   native handler that way before using SessionHandler) sets HANDLER instead.
// - a PHP that a test starts itself (`$php -n ...`, with $php the CGI binary) gets the PHP_ARGs and
//   the same handler and save_path: -n would load neither the extension nor the test's INI.
// A class extending SessionHandler wraps whichever handler was active when it was installed, so
// these tests reach HANDLER through SessionHandler without further change.
// - three tests print ini_get('session.save_handler') before installing a SessionHandler subclass,
//   and differ only there: their expected "files" becomes HANDLER, so that the rest of them, the
//   native handler reached through SessionHandler, counts as coverage.
// skipif.inc skips a test when session.save_path is not a writable directory, which only makes
// sense for the files handler: it is replaced by one that checks nothing.

if ($argc < 4) {
    fwrite(STDERR, "usage: php {$argv[0]} DIR HANDLER SAVE_PATH [PHP_ARG ...]\n");
    exit(2);
}
[, $dir, $handler, $savePath] = $argv;
$childArgs = implode(' ', array_map('escapeshellarg', array_merge(
    array_slice($argv, 4),
    ['-d', "session.save_handler=$handler", '-d', "session.save_path=\"$savePath\""]
)));

const NAMES_HANDLER = ['session_set_save_handler_class_001.phpt',
    'session_set_save_handler_class_012.phpt', 'session_set_save_handler_class_013.phpt'];

$handlerLine = '/^\s*session\.save_handler\s*=\s*(.*?)\s*$/';
$pathLine = '/^\s*session\.save_path\s*=/';

foreach (glob("$dir/*.phpt") as $file) {
    $sections = parse_phpt(file_get_contents($file));
    $ini = array_filter(explode("\n", $sections['INI']), fn ($l) => trim($l) !== '');
    $named = null;
    foreach ($ini as $line) {
        if (preg_match($handlerLine, $line, $m)) {
            $named = trim($m[1], "\"'");
        }
    }
    if ($named === null || $named === 'files') {
        $ini = array_filter($ini, fn ($l) => !preg_match($handlerLine, $l) && !preg_match($pathLine, $l));
        $ini[] = "session.save_handler=$handler";
        $ini[] = "session.save_path=\"$savePath\"";
        $sections['INI'] = implode("\n", $ini) . "\n";
    }
    foreach (['FILE', 'FILEEOF'] as $name) {
        if (isset($sections[$name])) {
            $sections[$name] = preg_replace(
                '/^ini_set\(([\'"])session\.save_handler\1, *([\'"])files\2\);$/m',
                "ini_set('session.save_handler', '$handler');",
                $sections[$name]
            );
            $sections[$name] = str_replace('`$php -n ', "`\$php -n $childArgs ", $sections[$name]);
        }
    }
    if (in_array(basename($file), NAMES_HANDLER, true)) {
        foreach (['EXPECT', 'EXPECTF'] as $name) {
            if (isset($sections[$name])) {
                $sections[$name] = str_replace('string(5) "files"',
                    'string(' . strlen($handler) . ") \"$handler\"", $sections[$name]);
            }
        }
    }
    file_put_contents($file, write_phpt($sections));
}

file_put_contents("$dir/skipif.inc", "<?php\n// session.save_path is not a directory with "
    . "$handler: nothing to check (see scripts/ext-session-rewrite.php).\n");

/** Sections in file order, by name; the text of each keeps its trailing newline. */
function parse_phpt(string $text): array {
    $sections = [];
    $name = null;
    foreach (preg_split('/(?<=\n)/', $text) as $line) {
        if (preg_match('/^--([_A-Z]+)--\s*$/', $line, $m)) {
            $name = $m[1];
            $sections[$name] = '';
        } elseif ($name !== null) {
            $sections[$name] .= $line;
        }
    }
    if (!isset($sections['INI'])) {
        $sections = insert_before($sections, ['FILE', 'FILEEOF', 'FILE_EXTERNAL'], 'INI');
    }
    return $sections;
}

function insert_before(array $sections, array $before, string $new): array {
    $out = [];
    foreach ($sections as $name => $text) {
        if (!isset($out[$new]) && in_array($name, $before, true)) {
            $out[$new] = '';
        }
        $out[$name] = $text;
    }
    return $out;
}

function write_phpt(array $sections): string {
    $out = '';
    foreach ($sections as $name => $text) {
        // Only the file's last section may lack its newline: the next header needs a line of its own.
        if ($out !== '' && !str_ends_with($out, "\n")) {
            $out .= "\n";
        }
        $out .= "--$name--\n$text";
    }
    return $out;
}
