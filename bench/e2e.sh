#!/usr/bin/env bash
# End to end: nginx + php-fpm per handler (locking on where it can be switched), driven by wrk at
# concurrency 16 over 1000 session ids; then rsession's php-fpm worker memory before and after
# 100,000 requests. Called by bench/run.sh with the servers up: e2e.sh <redis> <memcached> <dir> <seconds> <requests for the memory check>
set -euo pipefail
cd "$(dirname "$0")/.."
redis=$1 mc=$2 run=$3 seconds=$4 memory_requests=$5
so=$PWD/target/release/librsession.so
fpm=$(command -v php-fpm8.2 || echo /usr/sbin/php-fpm8.2)
base=${RSESSION_BENCH_PORT_BASE:-16579}
nginx_port=$((base + 2))
mkdir -p "$run/e2e/nginx" "$run/e2e/files"

names=(rsession-redis phpredis phpredis-persistent rsession-memcached php-memcached pecl-memcache files)
settings=(
  "session.save_handler=rsession;session.save_path=redis://$redis;rsession.locking=1"
  "session.save_handler=redis;session.save_path=tcp://$redis;redis.session.locking_enabled=1"
  "session.save_handler=redis;session.save_path=tcp://$redis?persistent=1;redis.session.locking_enabled=1"
  "session.save_handler=rsession;session.save_path=memcached://$mc;rsession.locking=1"
  "session.save_handler=memcached;session.save_path=$mc;memcached.sess_locking=1"
  "session.save_handler=memcache;session.save_path=tcp://$mc"
  "session.save_handler=files;session.save_path=$run/e2e/files"
)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

locations=""
for i in "${!names[@]}"; do
  port=$((base + 10 + i))
  conf=$run/e2e/fpm-${names[$i]}.conf
  {
    echo "[global]"
    echo "pid = $run/e2e/fpm-${names[$i]}.pid"
    echo "error_log = $run/e2e/fpm-${names[$i]}.log"
    echo "daemonize = no"
    echo "[bench]"
    echo "listen = 127.0.0.1:$port"
    echo "listen.backlog = 256"
    echo "pm = static"
    echo "pm.max_children = 4"
    echo "php_admin_value[session.use_cookies] = 0"
    echo "php_admin_value[session.cache_limiter] ="
    IFS=';' read -ra kv <<< "${settings[$i]}"
    for pair in "${kv[@]}"; do echo "php_admin_value[${pair%%=*}] = \"${pair#*=}\""; done
  } > "$conf"
  "$fpm" -n -R -F -y "$conf" -d extension=igbinary.so -d extension=msgpack.so -d extension=redis.so \
    -d extension=memcached.so -d extension=memcache.so -d "extension=$so" &
  pids+=($!)
  locations+="location /${names[$i]}/ { include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME $PWD/bench/page.php; fastcgi_pass 127.0.0.1:$port; }
"
done
cat > "$run/e2e/nginx/nginx.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $run/e2e/nginx/nginx.pid;
error_log $run/e2e/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $run/e2e/nginx/body;
  fastcgi_temp_path $run/e2e/nginx/fastcgi;
  proxy_temp_path $run/e2e/nginx/proxy;
  uwsgi_temp_path $run/e2e/nginx/uwsgi;
  scgi_temp_path $run/e2e/nginx/scgi;
  server { listen 127.0.0.1:$nginx_port; $locations }
}
CONF
nginx -p "$run/e2e/nginx" -c "$run/e2e/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nginx_port/files/?id=warm" >/dev/null && break; sleep 0.1; done

cat > "$run/e2e/ids.lua" <<'LUA'
local name = os.getenv("BENCH_HANDLER")
request = function()
  return wrk.format(nil, "/" .. name .. "/?id=bench" .. math.random(1, 1000))
end
LUA
echo "## End to end: nginx + php-fpm (4 workers) driven by wrk, 16 connections, ${seconds}s, locking on"
echo
echo "| handler | requests/s | non-2xx |"
echo "|---|---:|---:|"
for name in "${names[@]}"; do
  curl -sf "http://127.0.0.1:$nginx_port/$name/?id=warm" >/dev/null || { echo "bench: $name does not answer" >&2; exit 1; }
  out=$(BENCH_HANDLER=$name wrk -t2 -c16 -d"${seconds}s" -s "$run/e2e/ids.lua" "http://127.0.0.1:$nginx_port/" 2>&1)
  rps=$(awk '/Requests\/sec/ { print int($2) }' <<< "$out")
  bad=$(awk '/Non-2xx/ { print $NF }' <<< "$out")
  echo "| $name | ${rps:-?} | ${bad:-0} |"
done
echo

# Memory: rsession's php-fpm workers before and after many requests.
fpm_master=$(cat "$run/e2e/fpm-rsession-redis.pid")
rss() { ps -o rss= --ppid "$fpm_master" | awk '{ s += $1; n++ } END { printf "%d", s / n }'; }
before=$(rss)
done_requests=0
while [ "$done_requests" -lt "$memory_requests" ]; do
  out=$(BENCH_HANDLER=rsession-redis wrk -t2 -c16 -d"${seconds}s" -s "$run/e2e/ids.lua" "http://127.0.0.1:$nginx_port/" 2>&1)
  done_requests=$((done_requests + $(awk '/requests in/ { print $1 }' <<< "$out")))
done
after=$(rss)
echo "## Memory: rsession/redis php-fpm worker, resident set (average of 4 workers)"
echo
echo "| after warm-up | after $done_requests more requests | growth |"
echo "|---:|---:|---:|"
echo "| ${before} KiB | ${after} KiB | $((after - before)) KiB |"
