#!/usr/bin/env bash
# The main job, as it looks in real life: two PHP servers ("A" and "B", each its own php-fpm)
# behind nginx round-robin, sharing sessions through rsession and one redis-server.
# Fetches the page six times with one cookie jar, prints each answer, stops all it started.
#   scripts/demo.sh           show it
#   scripts/demo.sh --check   also assert it (A/B alternate, counter 1..6, one session)
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = "--check" ] && check=1

so=$PWD/target/release/librsession.so
[ -f "$so" ] || { echo "demo: $so is missing: run 'make build'" >&2; exit 1; }
fpm=$(command -v php-fpm8.2 || command -v php-fpm || true)
[ -n "$fpm" ] || fpm=/usr/sbin/php-fpm8.2
[ -x "$fpm" ] || { echo "demo: php-fpm is missing: run 'make deps'" >&2; exit 1; }

base=${RSESSION_DEMO_PORT_BASE:-16479}
redis_port=$base nginx_port=$((base + 1)) port_a=$((base + 2)) port_b=$((base + 3))
run=$PWD/.run/demo
rm -rf "$run"
mkdir -p "$run/nginx"

me=demo port_base_variable=RSESSION_DEMO_PORT_BASE
. scripts/web-stack.sh
ports_free $redis_port $nginx_port $port_a $port_b

# The shared store.
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$run/redis.pid" --logfile "$run/redis.log" --dir "$run"
wait_port "$redis_port" redis-server

# Two PHP servers. Only their names differ: the session settings are the same three lines an
# operator adds to php.ini.
for node in A B; do
  port=$port_a
  [ $node = B ] && port=$port_b
  cat > "$run/fpm-$node.conf" <<CONF
[global]
pid = $run/fpm-$node.pid
error_log = $run/fpm-$node.log
daemonize = no

[www]
listen = 127.0.0.1:$port
pm = static
pm.max_children = 2
clear_env = yes
env[RSESSION_NODE] = $node
catch_workers_output = yes
php_admin_value[error_log] = $run/php-$node.log
php_admin_value[session.save_handler] = rsession
php_admin_value[session.save_path] = "redis://127.0.0.1:$redis_port"
CONF
  "$fpm" -n -R -F -y "$run/fpm-$node.conf" -d "extension=$so" &
  pids+=($!)
done
wait_port "$port_a" "php-fpm A"
wait_port "$port_b" "php-fpm B"

# The load balancer: plain round robin, no stickiness.
nginx_conf "$nginx_port" "  upstream php { server 127.0.0.1:$port_a; server 127.0.0.1:$port_b; }" "\
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $PWD/demo/index.php;
      fastcgi_pass php;
    }"
start_nginx "$nginx_port"

echo "demo: nginx on 127.0.0.1:$nginx_port balances php-fpm A (:$port_a) and B (:$port_b);"
echo "      both keep sessions in redis on 127.0.0.1:$redis_port through rsession."
answers=()
for i in 1 2 3 4 5 6; do
  if ! answer=$(curl -s -f --max-time 5 -b "$run/cookies" -c "$run/cookies" "http://127.0.0.1:$nginx_port/"); then
    echo "demo: request $i failed" >&2
    logs >&2
    exit 1
  fi
  answers+=("$answer")
  echo "request $i: $answer"
done
echo "In redis:"
for key in $(redis-cli -p "$redis_port" --scan --pattern 'PHPREDIS_SESSION:*'); do
  echo "  $key = $(redis-cli -p "$redis_port" get "$key")  (expires in $(redis-cli -p "$redis_port" ttl "$key") s)"
done
echo "Both servers read and wrote the same session in redis: the user stayed logged in on every hop."

[ $check = 1 ] || exit 0
problems=()
servers="" sessions=""
for i in "${!answers[@]}"; do
  read -r _ server _ counter _ session <<< "${answers[$i]}"
  servers+=$server
  sessions+="$session "
  [ "$counter" = $((i + 1)) ] || problems+=("request $((i + 1)) shows counter $counter, expected $((i + 1))")
done
case "$servers" in
  ABABAB|BABABA) ;;
  *) problems+=("servers answered in the order $servers, expected A and B alternating") ;;
esac
[ "$(tr ' ' '\n' <<< "$sessions" | sort -u | grep -c .)" = 1 ] || problems+=("more than one session: $sessions")
if [ ${#problems[@]} -gt 0 ]; then
  printf 'demo: %s\n' "${problems[@]}" >&2
  logs >&2
  echo "demo: 0 passed, 1 failed"
  exit 1
fi
echo "demo: 1 passed, 0 failed"
