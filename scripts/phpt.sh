#!/usr/bin/env bash
# Runs the .phpt suite against target/release/librsession.so with PHP's run-tests.php, once per
# transport in RSESSION_TEST_TRANSPORTS (default "tcp unix tcp6": the test servers over
# 127.0.0.1, unix sockets and [::1]), with RSESSION_TEST_TRANSPORT telling the helpers which.
# A test about one transport only has a "// transports: tcp" line (or a list) and runs there only.
# Fails unless every test selected passes: a skipped test is not a passed one.
#   scripts/phpt.sh [php-tests/some.phpt ...]
# Another PHP and build of rsession (the ZTS leg, scripts/zts-test.sh): RSESSION_PHP (the PHP
# binary the tests run on; default the system's php8.2) and RSESSION_SO (the library it loads).
# A thread-safe PHP cannot load the system's Debian extensions (NTS builds): the tests that load
# one (phpredis, php-memcached, pecl memcache, igbinary...: their file or an inc/ file they
# require names a .so of the system PHP's extension directory) do not run on it, and are counted
# apart, as "not run under ZTS", neither passed nor failed.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
so=${RSESSION_SO:-$PWD/target/release/librsession.so}
system_php=$(command -v php8.2 || command -v php)
php_bin=${RSESSION_PHP:-$system_php}
system_ext_dir=$(php-config --extension-dir)
run_tests=$system_ext_dir/build/run-tests.php
[ -f "$so" ] || { echo "phpt: $so is missing: run 'make build'" >&2; exit 1; }
[ -x "$php_bin" ] || { echo "phpt: RSESSION_PHP=$php_bin is not an executable" >&2; exit 1; }
[ -f "$run_tests" ] || { echo "phpt: $run_tests is missing: install php8.2-dev" >&2; exit 1; }
[ $# -gt 0 ] || set -- php-tests/
mapfile -t all < <(find "$@" -name '*.phpt' | sort)

label=phpt
zts=$("$php_bin" -n -r 'echo PHP_ZTS;') || { echo "phpt: $php_bin does not run" >&2; exit 1; }
if [ "$zts" = 1 ]; then
  label="phpt (ZTS)"
  # The system's extensions, by file name (redis.so...), rsession aside.
  peers=$(cd "$system_ext_dir" && ls -- *.so 2>/dev/null | grep -vx 'rsession.so' | sed 's/[.]so$//' | paste -sd '|')
  # A test's text and that of the inc/ files it requires, and of those they require.
  with_includes() {
    local files=("$1") seen=" " f inc
    while [ ${#files[@]} -gt 0 ]; do
      f=${files[0]}; files=("${files[@]:1}")
      cat "$f"
      for inc in $(grep -oE '[A-Za-z0-9_-]+[.]php\b' "$f" | sort -u); do
        [ -f "php-tests/inc/$inc" ] && [[ $seen != *" $inc "* ]] || continue
        seen+="$inc "; files+=("php-tests/inc/$inc")
      done
    done
  }
  kept=() not_run=()
  for t in "${all[@]}"; do
    if [ -n "$peers" ] && with_includes "$t" | grep -qE "[\"'=/](${peers})[.]so\b"; then
      not_run+=("$t")
    else
      kept+=("$t")
    fi
  done
  all=("${kept[@]}")
fi
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
  echo "$label: transport $transport, ${#tests[@]} tests"
  # -n: no php.ini, so other installed extensions (phpredis...) stay out of the way. The system's
  # PHP runs run-tests.php, which runs each test on $php_bin.
  RSESSION_TEST_TRANSPORT=$transport NO_INTERACTION=1 "$system_php" "$run_tests" -n -p "$php_bin" \
    -d "extension=$so" -q --no-color --show-diff "${tests[@]}" 2>&1 | tee "$log"
  # run-tests.php's own summary counts passes and skips ("Tests passed    :   40 (100.0%)").
  summary() { sed -n "s/^Tests $1 *: *\([0-9]*\).*/\1/p" "$log" | tail -n 1; }
  passed=$(summary passed); skipped=$(summary skipped)
  passed=${passed:-0}; skipped=${skipped:-0}
  # Every other test failed, warned, leaked or borked, or ended with no verdict at all.
  failed=$(( ${#tests[@]} - passed - skipped ))
  # One line per transport: each transport's passes count on their own in the total.
  echo "$label $transport: $passed passed, $failed failed, $skipped skipped"
  [ "$passed" -eq ${#tests[@]} ] || status=1
done
rm -f "$log"
if [ "$zts" = 1 ]; then
  # Worded so that scripts/test.sh's "N passed" / "N failed" total does not count them.
  names=$(printf '%s\n' "${not_run[@]}" | xargs -r -n1 basename | paste -sd ' ')
  echo "$label: not run under ZTS (needs NTS peer extensions): ${#not_run[@]}${names:+: $names}"
fi
exit $status
