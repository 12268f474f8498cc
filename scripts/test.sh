#!/usr/bin/env bash
# The whole suite: own redis-servers up, cargo test, the phpt suite, the demo's check, servers
# down whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
trap 'scripts/servers.sh stop' EXIT
scripts/servers.sh start
cargo test --release --quiet
scripts/phpt.sh
scripts/demo.sh --check
