#!/usr/bin/env bash
# Runs the .phpt suite against target/release/librsession.so with PHP's run-tests.php, once per
# transport in RSESSION_TEST_TRANSPORTS (default "tcp unix tcp6": the test servers over
# 127.0.0.1, unix sockets and [::1]), with RSESSION_TEST_TRANSPORT telling the helpers which.
# A test about one transport only has a "// transports: tcp" line (or a list) and runs there only.
# Fails unless every test selected passes: a skipped test is not a passed one.
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
mapfile -t all < <(find "$@" -name '*.phpt' | sort)
log=$(mktemp)
status=0
for transport in $RSESSION_TEST_TRANSPORTS; do
  tests=()
  for t in "${all[@]}"; do
    only=$(sed -n 's|^// transports: *||p' "$t" | head -n 1)
    if [ -z "$only" ] || [[ " $only " == *" $transport "* ]]; then
      tests+=("$t")
    fi
  done
  [ ${#tests[@]} -gt 0 ] || continue
  echo "phpt: transport $transport, ${#tests[@]} tests"
  # -n: no php.ini, so other installed extensions (phpredis...) stay out of the way.
  RSESSION_TEST_TRANSPORT=$transport NO_INTERACTION=1 "$php_bin" "$run_tests" -n -p "$php_bin" \
    -d "extension=$so" -q --no-color --show-diff "${tests[@]}" 2>&1 | tee "$log"
  # run-tests.php's own summary counts passes and skips ("Tests passed    :   40 (100.0%)").
  summary() { sed -n "s/^Tests $1 *: *\([0-9]*\).*/\1/p" "$log" | tail -n 1; }
  passed=$(summary passed); skipped=$(summary skipped)
  passed=${passed:-0}; skipped=${skipped:-0}
  # Every other test failed, warned, leaked or borked, or ended with no verdict at all.
  failed=$(( ${#tests[@]} - passed - skipped ))
  # One line per transport: each transport's passes count on their own in the total.
  echo "phpt $transport: $passed passed, $failed failed, $skipped skipped"
  [ "$passed" -eq ${#tests[@]} ] || status=1
done
rm -f "$log"
exit $status
