#!/usr/bin/env bash
# make bench: rsession against phpredis, php-memcached, pecl memcache and PHP's files handler,
# on its own redis-server and memcached on loopback. Writes bench/results.md.
#   bench/run.sh           the full run (a few minutes)
#   bench/run.sh --quick   a smoke run: checks that the harness works, measures nothing useful
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

# The peers (phpredis, php-memcached, pecl memcache) and wrk come from Debian's packages.
scripts/deps.sh
[ -f target/release/librsession.so ] || cargo build --release

base=${RSESSION_BENCH_PORT_BASE:-16579}
run=$PWD/.run/bench
rm -rf "$run"
mkdir -p "$run/files"
for port in $base $((base + 1)); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "bench: port $port is in use; set RSESSION_BENCH_PORT_BASE to another base" >&2
    exit 1
  fi
done
cleanup() {
  [ -f "$run/redis.pid" ] && kill "$(cat "$run/redis.pid")" 2>/dev/null || true
  [ -f "$run/memcached.pid" ] && kill "$(cat "$run/memcached.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
redis-server --port "$base" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$run/redis.pid" --logfile "$run/redis.log" --dir "$run"
as_root=()
[ "$(id -u)" -ne 0 ] || as_root=(-u root)
memcached -d "${as_root[@]}" -l 127.0.0.1 -p $((base + 1)) -U 0 -m 512 -P "$run/memcached.pid"
for port in $base $((base + 1)); do
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
done

BENCH_REDIS=127.0.0.1:$base BENCH_MEMCACHED=127.0.0.1:$((base + 1)) BENCH_FILES=$run/files \
BENCH_SO=$PWD/target/release/librsession.so BENCH_QUICK=$quick \
  php -n bench/bench.php > "$run/cycles.md"
cat "$run/cycles.md"
if [ $quick = 1 ]; then
  bench/e2e.sh 127.0.0.1:$base 127.0.0.1:$((base + 1)) "$run" 1 1000 | tee "$run/e2e.md"
  echo "bench: smoke run done: 1 passed, 0 failed"
else
  bench/e2e.sh 127.0.0.1:$base 127.0.0.1:$((base + 1)) "$run" 5 100000 | tee "$run/e2e.md"
  cat "$run/e2e.md" >> bench/results.md
  echo "bench: results in bench/results.md"
fi
