#!/usr/bin/env bash
# Starts or stops the test suite's own redis-servers on loopback ports it owns.
#   scripts/servers.sh start|stop   (state lives in $RSESSION_RUN, default ./.run)
# Servers: Redis plain (on 127.0.0.1, ::1 and a unix socket), Redis with requirepass plus an ACL
# user, three memcached nodes (on 127.0.0.1 and ::1), and memcached on a unix socket.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh

start_redis() { # name port bind extra-args...
  local name=$1 port=$2 bind=$3; shift 3
  port_free "$port"
  mkdir -p "$RSESSION_RUN/$name"
  redis-server --port "$port" --bind $bind --daemonize yes \
    --pidfile "$RSESSION_RUN/$name/redis.pid" --logfile "$RSESSION_RUN/$name/redis.log" \
    --dir "$RSESSION_RUN/$name" --save '' --appendonly no "$@"
  for _ in $(seq 50); do
    redis-cli -p "$port" ${REDISCLI_AUTH:+--no-auth-warning} ping >/dev/null 2>&1 && return 0
    # An auth-protected server answers NOAUTH to an anonymous ping: up all the same.
    redis-cli -p "$port" ping 2>&1 | grep -q NOAUTH && return 0
    sleep 0.1
  done
  echo "servers: redis $name on port $port did not start; see $RSESSION_RUN/$name/redis.log" >&2
  return 1
}

port_free() {
  if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then
    echo "servers: port $1 is already in use; set RSESSION_TEST_PORT_BASE to another base" >&2
    return 1
  fi
}

start_memcached() { # name args...
  local name=$1; shift
  mkdir -p "$RSESSION_RUN/$name"
  local as_root=()
  [ "$(id -u)" -ne 0 ] || as_root=(-u root)
  memcached -d "${as_root[@]}" -m 64 -P "$RSESSION_RUN/$name/memcached.pid" "$@"
  for _ in $(seq 50); do
    [ -s "$RSESSION_RUN/$name/memcached.pid" ] && return 0
    sleep 0.1
  done
  echo "servers: memcached $name did not start" >&2
  return 1
}

stop_all() {
  for pidfile in "$RSESSION_RUN"/*/redis.pid "$RSESSION_RUN"/*/memcached.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  # Sockets and traces the tests' own servers left behind.
  rm -rf "$RSESSION_RUN/tests"
}

case "${1:-}" in
  start)
    stop_all
    mkdir -p "$RSESSION_RUN"
    loopback=127.0.0.1 memcached_loopback=127.0.0.1
    if [ "$RSESSION_TEST_IPV6" = 1 ]; then
      loopback="127.0.0.1 ::1" memcached_loopback="127.0.0.1,[::1]"
    fi
    start_redis plain "$RSESSION_TEST_REDIS_PORT" "$loopback" \
      --unixsocket "$RSESSION_TEST_REDIS_SOCKET" --unixsocketperm 700
    start_redis auth "$RSESSION_TEST_REDIS_AUTH_PORT" 127.0.0.1 \
      --requirepass "$RSESSION_TEST_REDIS_PASSWORD" \
      --user "$RSESSION_TEST_REDIS_ACL_USER" on ">$RSESSION_TEST_REDIS_ACL_PASSWORD" '~*' '&*' '+@all'
    n=0
    for port in ${RSESSION_TEST_MEMCACHED_PORTS//,/ }; do
      n=$((n + 1))
      port_free "$port"
      start_memcached "memcached$n" -l "$memcached_loopback" -p "$port" -U 0
    done
    start_memcached memcached -s "$RSESSION_TEST_MEMCACHED_SOCKET" -a 0700
    echo "servers: redis on $loopback port $RSESSION_TEST_REDIS_PORT (+ $RSESSION_TEST_REDIS_SOCKET)," \
         "redis with auth on 127.0.0.1:$RSESSION_TEST_REDIS_AUTH_PORT," \
         "memcached on $memcached_loopback ports {$RSESSION_TEST_MEMCACHED_PORTS} (+ $RSESSION_TEST_MEMCACHED_SOCKET)"
    ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
