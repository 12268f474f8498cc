#!/usr/bin/env bash
# The whole suite: own redis and memcached servers up, cargo test, the phpt suite, PHP's own
# ext/session tests, the ZTS leg (a thread-safe PHP), the demo's check, the Debian package and make install/uninstall, servers down
# whatever happens. Ends with one line counting everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
# The code's own hygiene first: formatting, and clippy with every warning an error (lib.rs
# denies unsafe operations outside an unsafe block and unsafe blocks without a SAFETY note).
{ cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1 || rustup component add rustfmt clippy
cargo fmt --all -- --check || { echo "test: run 'cargo fmt --all'" >&2; exit 1; }
cargo clippy --release --all-targets -- -D warnings
trap 'scripts/servers.sh stop' EXIT
scripts/servers.sh start
log=$(mktemp)
cargo test --release 2>&1 | tee "$log"
scripts/phpt.sh 2>&1 | tee -a "$log"
# PHP's own ext/session tests, with rsession as the handler.
scripts/ext-session.sh 2>&1 | tee -a "$log"
# The ZTS leg: a thread-safe PHP built from Debian's source (once, then cached), rsession built
# against it, the phpt suite and the threaded embed-SAPI harness on it.
scripts/zts-test.sh 2>&1 | tee -a "$log"
# The README's Troubleshooting table quotes only messages that rsession (or PHP, a server, the C
# library) really prints: rewording one in src/ without updating the README fails here.
"$(command -v php8.2 || command -v php)" -n scripts/check-readme-messages.php 2>&1 | tee -a "$log"
scripts/demo.sh --check 2>&1 | tee -a "$log"
# rsession_stats() from php-fpm workers after a load run, checked against the requests made.
scripts/fpm-stats.sh 2>&1 | tee -a "$log"
# The benchmark's harness must keep working; a smoke run measures nothing.
bench/run.sh --quick 2>&1 | tail -n 3 | tee -a "$log"
# Last, after the suites (they load their own build with php -n, the package does not disturb
# them): the Debian package and make install/uninstall on this machine's PHP, put back after.
scripts/package-test.sh 2>&1 | tee -a "$log"
sum() { grep -oE "[0-9]+ $1" "$log" | awk '{ n += $1 } END { print n + 0 }'; }
passed=$(sum passed) failed=$(sum failed)
rm -f "$log"
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
