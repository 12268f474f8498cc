#!/usr/bin/env bash
# make bench: rsession against phpredis, php-memcached, pecl memcache and PHP's files handler,
# on its own redis-server and memcached on loopback. Writes bench/results.md: first the pinned,
# in-process run (bench/pinned.php, the headline), then one process per handler, then end to end.
#   bench/run.sh           the full run (a few minutes)
#   bench/run.sh --quick   a smoke run: checks that the harness works and every handler works,
#                          measures nothing useful and asserts no speed
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
# Redis Cluster: three masters on base+30..base+32 (e2e.sh uses base+2 and base+10...), their
# cluster bus 20 above (Redis's default,
# 10000 above, falls among the kernel's ephemeral ports, where an outgoing connection may hold it).
cluster_ports="$((base + 30)) $((base + 31)) $((base + 32))"
for port in $base $((base + 1)) $((base + 3)) $cluster_ports $((base + 50)) $((base + 51)) $((base + 52)); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "bench: port $port is in use; set RSESSION_BENCH_PORT_BASE to another base" >&2
    exit 1
  fi
done
cleanup() {
  for pid in "$run"/redis*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
  [ -f "$run/memcached.pid" ] && kill "$(cat "$run/memcached.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
# The same redis-server also speaks TLS on base + 3 (base + 2 is the end-to-end run's nginx),
# with a CA and a certificate for 127.0.0.1 made now, so the TLS rows measure what TLS adds
# against the same server.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$run/ca.key" -out "$run/ca.pem" \
  -days 2 -subj "/CN=rsession bench CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$run/server.key" -out "$run/server.csr" \
  -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$run/server.ext"
openssl x509 -req -in "$run/server.csr" -CA "$run/ca.pem" -CAkey "$run/ca.key" -set_serial 1 -days 2 \
  -extfile "$run/server.ext" -out "$run/server.pem" 2>/dev/null
redis-server --port "$base" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$run/redis.pid" --logfile "$run/redis.log" --dir "$run" \
  --tls-port $((base + 3)) --tls-cert-file "$run/server.pem" --tls-key-file "$run/server.key" \
  --tls-ca-cert-file "$run/ca.pem" --tls-auth-clients no
as_root=()
[ "$(id -u)" -ne 0 ] || as_root=(-u root)
memcached -d "${as_root[@]}" -l 127.0.0.1 -p $((base + 1)) -U 0 -m 512 -P "$run/memcached.pid"
for port in $cluster_ports; do
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --cluster-enabled yes --cluster-port $((port + 20)) --cluster-config-file "nodes-$port.conf" --dir "$run" \
    --pidfile "$run/redis-cluster-$port.pid" --logfile "$run/redis-cluster-$port.log"
done
for port in $base $((base + 1)) $cluster_ports; do
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' $cluster_ports) --cluster-replicas 0 --cluster-yes > "$run/cluster-create.log"
for port in $cluster_ports; do
  for _ in $(seq 100); do
    redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok' && break
    sleep 0.1
  done
done

export BENCH_REDIS=127.0.0.1:$base BENCH_MEMCACHED=127.0.0.1:$((base + 1))
BENCH_REDIS_CLUSTER=$(printf '127.0.0.1:%s,' $cluster_ports)
export BENCH_REDIS_CLUSTER=${BENCH_REDIS_CLUSTER%,}
export BENCH_REDIS_TLS=127.0.0.1:$((base + 3)) BENCH_REDIS_CA=$run/ca.pem
php=(php -n -d extension=igbinary.so -d extension=msgpack.so -d extension=redis.so -d extension=memcached.so
  -d extension=memcache.so -d "extension=$PWD/target/release/librsession.so")

# The headline: every handler in one PHP process (bench/pinned.php), pinned. A round trip between
# two vCPUs costs several times one on a single vCPU, so each placement is its own run.
# taskset -a moves every thread of a server (memcached has one per -t, Redis its bio threads).
pin_servers() {
  for pid in "$run"/redis*.pid; do taskset -a -pc "$1" "$(cat "$pid")" >/dev/null; done
  taskset -a -pc "$1" "$(cat "$run/memcached.pid")" >/dev/null
}
[ $quick = 0 ] || export BENCH_ROUNDS=1 BENCH_BLOCK=20 BENCH_FLOOR=200
: > "$run/pinned-note.md"
placements=()
if [ "$(nproc)" -ge 2 ]; then
  placements+=("1|(a) stores on CPU 1, PHP on CPU 0")
else
  echo "Only one CPU: placement (a), the stores on another CPU, is skipped." >> "$run/pinned-note.md"
fi
placements+=("0|(b) everything on CPU 0")
jsons=()
for i in "${!placements[@]}"; do
  pin_servers "${placements[$i]%%|*}"
  BENCH_PLACEMENT=${placements[$i]#*|} taskset -c 0 "${php[@]}" bench/pinned.php time > "$run/pinned-$i.json"
  jsons+=("$run/pinned-$i.json")
done
# Syscalls in a pass of their own (strace slows everything): short blocks, every socket call logged
# with its fd's kind (-y), counted by pinned-report.php.
BENCH_BLOCK=$([ $quick = 1 ] && echo 10 || echo 50) taskset -c 0 strace -f -y -s 64 -e signal=none \
  -e trace=sendto,sendmsg,write,writev,recvfrom,recvmsg,read,readv,connect -o "$run/pinned.strace" \
  "${php[@]}" bench/pinned.php trace 2> "$run/pinned-trace.err" || { grep -v '^@@' "$run/pinned-trace.err" >&2; exit 1; }
pin_servers "0-$(($(nproc) - 1))"
{
  echo "## Pinned: every handler in one PHP process"
  echo
  echo "One PHP process (bench/pinned.php) rotates through every handler in blocks of ${BENCH_BLOCK:-200} full session cycles (\`session_id\`, \`session_start\`, 1 KiB changed, \`session_write_close\`; every read checked) over ${BENCH_IDS:-100} ids, switching with \`ini_set\`; rounds: ${BENCH_ROUNDS:-10}, each in a new shuffled order, after one warm-up block per handler."
  echo "Pinned with taskset (redis-server and memcached with \`-t\` default, every thread): (a) stores on CPU 1, PHP on CPU 0: each round trip wakes the other CPU, like a network; (b) everything on CPU 0: the client's CPU cost decides. Unpinned, a round trip on this kind of VM is ~9 µs or ~60 µs depending on where the scheduler puts client and server, and numbers jump between runs."
  echo "cycles/s: median of the rounds. rsession ÷ handler: rsession's rate over the handler's, same store, same locking, in the same round; the median of those. Round trips and socket writes per cycle: the client's, from a separate strace pass (a round trip: the client sent, then read a reply, so a pipelined batch counts once; writes: sendto, sendmsg, write, writev on sockets). Server count: Redis read events (a round trip, a closed connection counts one more), memcached commands (no round-trip counter: a pipeline counts each command)."
  echo
  cat "$run/pinned-note.md"
  php -n bench/pinned-report.php "$run/pinned.strace" "${jsons[@]}"
  echo
} > "$run/pinned.md"
cat "$run/pinned.md"

# The payload: a realistic 20 KiB session with each compression and with encryption, all on CPU 0
# (what they cost is CPU), against the plain redis-server.
head -c 32 /dev/urandom | base64 > "$run/bench.keys"
pin_servers 0
{
  echo "## Payload: a 20 KiB shop session, compressed and encrypted"
  echo
  echo "rsession over Redis, everything on CPU 0; one PHP process, the settings switched by \`ini_set\` in shuffled blocks (bench/payload.php); each cycle reads the session, checks it and changes 32 bytes of it."
  echo
  BENCH_KEYS=$run/bench.keys BENCH_ROUNDS=$([ $quick = 1 ] && echo 1 || echo 7) \
    BENCH_BLOCK=$([ $quick = 1 ] && echo 10 || echo 200) taskset -c 0 "${php[@]}" bench/payload.php
  echo
} > "$run/payload.md"
pin_servers "0-$(($(nproc) - 1))"
cat "$run/payload.md"

# The older views: one PHP process per handler and workload (unpinned), then end to end.
BENCH_FILES=$run/files BENCH_SO=$PWD/target/release/librsession.so BENCH_QUICK=$quick \
  php -n bench/bench.php > "$run/cycles.md"
cat "$run/cycles.md"
if [ $quick = 1 ]; then
  bench/e2e.sh "$BENCH_REDIS" "$BENCH_MEMCACHED" "$run" 1 1000 | tee "$run/e2e.md"
  echo "bench: smoke run done (pinned, payload, per process, end to end): 4 passed, 0 failed"
else
  bench/e2e.sh "$BENCH_REDIS" "$BENCH_MEMCACHED" "$run" 5 100000 | tee "$run/e2e.md"
  { echo "# rsession benchmark"
    echo
    echo "Machine: $(uname -m), $(nproc) cores; PHP $(php -n -r 'echo PHP_VERSION;'); $(date +%F)."
    echo
    cat "$run/pinned.md" "$run/payload.md" "$run/cycles.md" "$run/e2e.md"
  } > bench/results.md
  echo "bench: results in bench/results.md"
fi
