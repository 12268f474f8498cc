#!/usr/bin/env bash
# PHP's own ext/session test suite, run with rsession as the session handler.
#   scripts/ext-session.sh [--handler=rsession|redis|files] [test.phpt ...]
# The tests come from the Debian source package of the installed php8.2 (fetched once by
# scripts/ext-session-fetch.sh, cached in .cache/ext-session/). Each test's INI is rewritten so
# that the handler is rsession and session.save_path is the test Redis
# (scripts/ext-session-rewrite.php), then PHP's run-tests.php runs them against
# target/release/librsession.so.
# A test may fail, skip or crash only as scripts/ext-session-excluded.txt says, with its reason;
# anything else fails the run, and so does a listed test that passes now.
# --handler=redis (phpredis, same Redis, same rewrite) and --handler=files (the tests as PHP ships
# them) are for comparison: they print each test that does not pass, and check nothing.
# Each run leaves its work directory, with every test's .out and .diff, in
# .run/ext-session-<handler>/ until the next run.
# Needs the test Redis: scripts/servers.sh start (scripts/test.sh does it).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh

handler=rsession
tests=()
for arg in "$@"; do
  case $arg in
    --handler=*) handler=${arg#--handler=} ;;
    -*) echo "ext-session: unknown option $arg" >&2; exit 2 ;;
    *) tests+=("$(basename "$arg")") ;;
  esac
done
case $handler in rsession|redis|files) ;; *) echo "ext-session: unknown handler $handler" >&2; exit 2 ;; esac

excluded=scripts/ext-session-excluded.txt
so=$PWD/target/release/librsession.so
php_bin=$(command -v php8.2 || command -v php)
php_cgi=$(command -v php-cgi8.2 || command -v php-cgi || true)
run_tests=$(php-config --extension-dir)/build/run-tests.php
[ -f "$run_tests" ] || { echo "ext-session: $run_tests is missing: install php8.2-dev" >&2; exit 1; }
[ -n "$php_cgi" ] || { echo "ext-session: php-cgi is missing (upload progress tests): install php8.2-cgi" >&2; exit 1; }
[ "$handler" != rsession ] || [ -f "$so" ] || { echo "ext-session: $so is missing: run 'make build'" >&2; exit 1; }

# --- The tests of the installed PHP, from Debian's source package -------------------------------
read -r src_pkg installed < <(dpkg-query -W -f='${source:Package} ${source:Version}\n' php8.2-cli) || {
  echo "ext-session: php8.2-cli is not installed" >&2; exit 1; }
cache=$PWD/.cache/ext-session/${src_pkg}_$installed
if [ ! -f "$cache/ext/session/tests/skipif.inc" ]; then
  scripts/ext-session-fetch.sh "$src_pkg" "$installed" "$cache" || exit 1
fi
source_version=$(cat "$cache/source-version")
[ "$source_version" = "$installed" ] ||
  echo "ext-session: note: the tests are php8.2 $source_version's; the archive no longer has $installed's source"

# --- A copy rewritten for the handler under test, on the suite's own Redis ----------------------
# The copy keeps PHP's source layout: a test finds sapi/cgi/tests/include.inc by relative path.
work=$RSESSION_RUN/ext-session-$handler
dir=$work/ext/session/tests
rm -rf "$work"
mkdir -p "$work"
cp -r "$cache/ext" "$cache/sapi" "$work/"
# Database 9: the project's own phpt tests use 0-3. It is emptied before each run so that a
# session left behind by an earlier run cannot change what a test reads.
save_path="tcp://127.0.0.1:$RSESSION_TEST_REDIS_PORT?database=9"
case $handler in
  rsession) ext_args=(-d "extension=$so") ;;
  # phpredis is built with igbinary and msgpack support and cannot load without them.
  redis) ext_args=(-d extension=igbinary.so -d extension=msgpack.so -d extension=redis.so) ;;
  # Debian's PHP has /var/lib/php/sessions compiled in; the tests expect upstream's empty default.
  files) ext_args=(-d session.save_path=) ;;
esac
if [ "$handler" != files ]; then
  redis-cli -p "$RSESSION_TEST_REDIS_PORT" -n 9 flushdb >/dev/null ||
    { echo "ext-session: no Redis on port $RSESSION_TEST_REDIS_PORT: run scripts/servers.sh start" >&2; exit 1; }
  "$php_bin" -n scripts/ext-session-rewrite.php "$dir" "$handler" "$save_path" "${ext_args[@]}" || exit 1
fi

if [ ${#tests[@]} -eq 0 ]; then
  mapfile -t tests < <(cd "$dir" && ls -- *.phpt)
  targets=("$dir")
else
  targets=("${tests[@]/#/$dir/}")
fi

# --- Run -----------------------------------------------------------------------------------------
started=$(date +%s)
NO_INTERACTION=1 TEST_PHP_CGI_EXECUTABLE=$php_cgi "$php_bin" "$run_tests" -n "${ext_args[@]}" \
  -p "$php_bin" -j2 -q --no-color -W "$work/results" "${targets[@]}" >"$work/run-tests.log" 2>&1
seconds=$(( $(date +%s) - started ))

# --- Each test's outcome, compared with the list -------------------------------------------------
# results: "PASSED<TAB>/path/x.phpt" per test. The list: "x.phpt OUTCOME reason...", OUTCOME one of
# FAIL, SKIP, XFAIL, BORK, CRASH (a signal killed PHP).
declare -A outcome=() listed=() reason=()
while IFS=$'\t' read -r result path; do
  case $result in SKIPPED) result=SKIP ;; *) result=${result%ED} ;; esac
  outcome[$(basename "$path")]=$result
done < <(tr -d '\r' < "$work/results" 2>/dev/null)
while read -r name expected why; do
  [[ -z $name || $name == \#* ]] && continue
  listed[$name]=$expected
  reason[$name]=$why
done < "$excluded"

passed=0 failed=0
declare -A matched=()
problems=()
for t in "${tests[@]}"; do
  got=${outcome[$t]:-NOT RUN}
  signal=$(grep -m1 -o '^Termsig=[0-9]*' "$dir/${t%.phpt}.out" 2>/dev/null)
  [ -z "$signal" ] || got=CRASH
  shown=$got${signal:+ ($signal)}
  if [ "$handler" != rsession ]; then
    if [ "$got" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "$shown $t"; fi
    continue
  fi
  want=${listed[$t]:-PASS}
  if [ "$got" = "$want" ]; then
    if [ "$got" = PASS ]; then passed=$((passed + 1)); else matched[$got]=$(( ${matched[$got]:-0} + 1 )); fi
  elif [ "$got" = PASS ]; then
    failed=$((failed + 1)); problems+=("$t passes now: take it out of $excluded")
  elif [ "$want" = PASS ]; then
    failed=$((failed + 1)); problems+=("$t: $shown")
  else
    failed=$((failed + 1)); problems+=("$t: $shown, but $excluded says $want (${reason[$t]})")
  fi
done

if [ "$handler" != rsession ]; then
  echo "ext-session ($handler): $passed pass, $failed do not; outputs in $dir (${seconds}s)"
  exit 0
fi
for p in "${problems[@]}"; do
  t=${p%%[: ]*}
  echo "ext-session: $p"
  # What went wrong: the diff, or the reason the test gave for skipping.
  if [ -f "$dir/${t%.phpt}.diff" ]; then
    sed 's/^/    /' "$dir/${t%.phpt}.diff" | head -n 40; echo
  else
    tr '\r' '\n' < "$work/run-tests.log" | grep -F "/$t]" | grep -E '^(SKIP|BORK)' | sed 's/^/    /'
  fi
done
if [ ${#listed[@]} -gt 0 ]; then
  for t in "${!listed[@]}"; do
    [ -f "$dir/$t" ] || echo "ext-session: note: $excluded lists $t, which the tests of $source_version do not have"
  done
fi
ran=$(( passed + failed ))
for n in "${matched[@]}"; do ran=$(( ran + n )); done
if [ ${#targets[@]} -eq 1 ] && [ "${targets[0]}" = "$dir" ] && [ "$ran" -lt 200 ]; then
  echo "ext-session: only $ran tests ran; see $work/run-tests.log"
  failed=$((failed + 1))
fi
# One line, worded for scripts/test.sh, which adds up every "N passed" and "N failed": a test
# excluded by the list counts as neither.
detail=""
for o in FAIL CRASH SKIP XFAIL BORK; do
  [ -z "${matched[$o]:-}" ] || detail+="${detail:+, }${matched[$o]} ${o,,}"
done
echo "ext-session: $passed passed, $failed failed ($((ran - passed - failed)) excluded${detail:+: $detail}," \
  "as $excluded says; php8.2 $source_version tests, ${seconds}s)"
[ "$failed" -eq 0 ]
