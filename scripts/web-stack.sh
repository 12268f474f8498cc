# Sourced by scripts that run php-fpm behind nginx (demo.sh, fpm-stats.sh): stopping what they
# started, their logs, waiting for a port, and nginx's configuration. The sourcing script sets
# `me` (its name, for messages) and `run` (its state directory, with nginx/ in it).
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$run/redis.pid" ] && kill "$(cat "$run/redis.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

logs() {
  for f in "$run"/*.log "$run"/nginx/*.log; do
    [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
  done
  return 0
}

# Fails unless every port given is free.
ports_free() {
  for port in "$@"; do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
      echo "$me: port $port is in use; set $port_base_variable to another base" >&2
      exit 1
    fi
  done
}

wait_port() { # port name
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$me: $2 did not start on port $1" >&2
  logs >&2
  exit 1
}

# Writes $run/nginx/nginx.conf: one server on $1, with the rest of the arguments (upstreams,
# locations) inside its http block, before the server, or in it (see the callers).
nginx_conf() { # port http-block-text server-block-text
  cat > "$run/nginx/nginx.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $run/nginx/nginx.pid;
error_log $run/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $run/nginx/body;
  fastcgi_temp_path $run/nginx/fastcgi;
  proxy_temp_path $run/nginx/proxy;
  uwsgi_temp_path $run/nginx/uwsgi;
  scgi_temp_path $run/nginx/scgi;
$2
  server {
    listen 127.0.0.1:$1;
$3
  }
}
CONF
}

# Starts nginx on the configuration nginx_conf wrote, and waits for it on port $1.
start_nginx() {
  nginx -p "$run/nginx" -c "$run/nginx/nginx.conf" &
  pids+=($!)
  wait_port "$1" nginx
}
