#!/usr/bin/env bash
# Runs the .phpt suite against target/release/librsession.so with PHP's run-tests.php.
# Fails on any FAIL, BORK, LEAK, WARN or SKIP: a skipped test is not a passed one.
#   scripts/phpt.sh [php-tests/some.phpt ...]
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
so=$PWD/target/release/librsession.so
php_bin=$(command -v php8.2 || command -v php)
run_tests=$(php-config --extension-dir)/build/run-tests.php
[ -f "$so" ] || { echo "phpt: $so is missing: run 'make build'" >&2; exit 1; }
[ -f "$run_tests" ] || { echo "phpt: $run_tests is missing: install php8.2-dev" >&2; exit 1; }
[ $# -gt 0 ] || set -- php-tests/
log=$(mktemp)
# -n: no php.ini, so other installed extensions (phpredis...) stay out of the way.
NO_INTERACTION=1 "$php_bin" "$run_tests" -n -p "$php_bin" -d "extension=$so" \
  -q --no-color --show-diff "$@" 2>&1 | tee "$log"
# run-tests.php overwrites its progress line with \r: split those before counting.
count() { tr '\r' '\n' < "$log" | grep -c "^$1 " || true; }
passed=$(count PASS); failed=$(count FAIL); skipped=$(count SKIP)
bad=$(( failed + $(count BORK) + $(count LEAK) + $(count WARN) + skipped ))
rm -f "$log"
echo "phpt: $passed passed, $failed failed, $skipped skipped"
[ "$bad" -eq 0 ] && [ "$passed" -gt 0 ]
