#!/usr/bin/env bash
# The ZTS leg: rsession in a thread-safe PHP, as FrankenPHP and Apache's worker/event MPM run it.
#   1. a minimal ZTS PHP 8.2 from Debian's source (scripts/zts-php.sh; cached after the first run)
#   2. rsession built against it (target/zts/release/librsession.so), checked to load
#   3. the phpt suite on it, over TCP (tests that need the system's NTS extensions cannot run)
#   4. the threaded harness (php-tests/zts/harness.c on the embed SAPI): 8 and 32 threads of
#      session cycles in one process, exact counts through a 2 s store stall (once within the
#      timeouts, once beyond the read timeout), forks from request threads that must not hang
# Each part prints "N passed, M failed" lines for scripts/test.sh's total; a part that cannot
# run (a build that fails) fails the leg. Needs the test servers: scripts/servers.sh start.
#   scripts/zts-test.sh [--harness-only]
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
started=$(date +%s)
timings=()
lap() { # lap NAME: the time since the last lap, for the closing line
  local t; t=$(date +%s)
  timings+=("$1 $((t - ${lap_start:-$started}))s")
  lap_start=$t
}
fail() { echo "zts: $1: 0 passed, 1 failed"; exit 1; }
redis-cli -p "$RSESSION_TEST_REDIS_PORT" ping >/dev/null 2>&1 ||
  fail "no Redis on port $RSESSION_TEST_REDIS_PORT: run scripts/servers.sh start"

# --- 1. The ZTS PHP -----------------------------------------------------------------------------
prefix=$(scripts/zts-php.sh | tail -n 1) && [ -x "$prefix/bin/php" ] || fail "the ZTS PHP could not be built"
php=$prefix/bin/php
php_config=$prefix/bin/php-config
lap "PHP"

# --- 2. rsession against it ---------------------------------------------------------------------
# A target directory of its own: the system PHP's build in target/release stays as it is.
so=$PWD/target/zts/release/librsession.so
echo "zts: cargo build --release --target-dir target/zts (PHP_CONFIG=$php_config)"
PHP_CONFIG=$php_config PHP=$php nice cargo build --release --target-dir target/zts --quiet ||
  fail "rsession does not build against the ZTS PHP"
loaded=$("$php" -n -d "extension=$so" -r 'echo PHP_ZTS, " ", var_export(extension_loaded("rsession"), true);' 2>&1)
[ "$loaded" = "1 true" ] || fail "the ZTS PHP does not load $so: $loaded"
echo "zts: rsession loads into $("$php" -n -r 'echo "PHP ", PHP_VERSION;') with PHP_ZTS=1: 1 passed, 0 failed"
lap "rsession"

status=0
if [ "${1:-}" != --harness-only ]; then
  # --- 3. The phpt suite ------------------------------------------------------------------------
  RSESSION_TEST_TRANSPORTS=tcp RSESSION_PHP=$php RSESSION_SO=$so scripts/phpt.sh || status=1
  lap "phpt"
fi

# --- 4. The threaded harness ------------------------------------------------------------------
work=$RSESSION_RUN/zts
mkdir -p "$work"
# shellcheck disable=SC2046 # php-config's words are separate flags
cc -O2 -Wall -Wextra -o "$work/harness" php-tests/zts/harness.c $("$php_config" --includes) \
  -L"$prefix/lib/php" -Wl,-rpath,"$prefix/lib/php" -lphp -lpthread || fail "the harness does not build"
cat > "$work/php.ini" <<EOF
extension=$so
session.save_handler=rsession
session.save_path="tcp://127.0.0.1:$RSESSION_TEST_REDIS_PORT"
session.use_cookies=0
session.use_only_cookies=0
session.use_strict_mode=0
session.cache_limiter=
html_errors=0
error_reporting=E_ALL
EOF
# threads, requests per thread (so that the shared session gets 1600 increments either way),
# timeouts within or beyond the 2 s stall; a fork from every 4th request.
for run in "8 200 within" "8 200 beyond" "32 50 within" "32 50 beyond"; do
  read -r threads requests mode <<<"$run"
  backtrace=$work/hung-child-$threads-$mode.txt
  rm -f "$backtrace"
  # The harness bounds its own run (120 s); this bounds the rest.
  RSESSION_ZTS_BACKTRACE=$backtrace timeout -k 5 180 "$work/harness" "$work/php.ini" "$PWD/php-tests/zts" \
    "$threads" "$requests" "$mode" 2000 4 2>&1 | tee "$work/harness.out"
  code=${PIPESTATUS[0]}
  if [ "$code" -ne 0 ]; then
    status=1
    # A harness that died before its report still counts as a failure.
    grep -q '^zts-harness: [0-9]* passed' "$work/harness.out" ||
      echo "zts-harness: $threads threads, $mode: ended with exit status $code before its report: 0 passed, 1 failed"
    if [ -s "$backtrace" ]; then
      echo "  the first hung child was in:"
      grep -oE ' in [^ ]+' "$backtrace" | sed 's/^ in /    /' | head -n 12
    fi
  fi
done
lap "harness"

echo "zts: the ZTS leg took $(( $(date +%s) - started ))s (${timings[*]})"
exit $status
