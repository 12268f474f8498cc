#!/usr/bin/env bash
# rsession_stats() where operators read it: php-fpm workers behind nginx, after a load run.
# Starts a php-fpm pool of 2 workers (demo/index.php, the demo's counter page, and
# demo/status.php, the status page) and nginx on their own ports, against the test Redis
# (scripts/servers.sh start), then:
#   - 201 requests of one visitor, 199 of them 4 at a time (both workers serve the same session at once, so
#     they wait for each other's lock), and 100 requests of new visitors;
#   - fetches the status page until both workers answered, sums their counters, and checks them
#     against the requests made: every request read, locked and wrote its session once, each
#     worker opened one connection, no error, the shared counter reached exactly 201.
# Prints `php --ri rsession`'s node rows, a worker's rsession_stats() and the sums.
#   scripts/fpm-stats.sh    (needs the test servers; make test runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
so=$PWD/target/release/librsession.so
fpm=$(command -v php-fpm8.2 || command -v php-fpm || echo /usr/sbin/php-fpm8.2)
[ -f "$so" ] || { echo "fpm-stats: $so is missing: run 'make build'" >&2; exit 1; }
[ -x "$fpm" ] || { echo "fpm-stats: php-fpm is missing: run 'make deps'" >&2; exit 1; }
redis_port=$RSESSION_TEST_REDIS_PORT
nginx_port=$((base + 20)) fpm_port=$((base + 21))
run=$RSESSION_RUN/fpm-stats
rm -rf "$run"
mkdir -p "$run/nginx"
prefix="FPMSTATS$$:"
save_path="redis://127.0.0.1:$redis_port?prefix=$prefix"

me=fpm-stats port_base_variable=RSESSION_TEST_PORT_BASE
. scripts/web-stack.sh
ports_free $nginx_port $fpm_port

cat > "$run/fpm.conf" <<CONF
[global]
pid = $run/fpm.pid
error_log = $run/fpm.log
daemonize = no

[www]
listen = 127.0.0.1:$fpm_port
pm = static
pm.max_children = 2
clear_env = yes
env[RSESSION_NODE] = fpm
catch_workers_output = yes
php_admin_value[error_log] = $run/php.log
php_admin_value[session.save_handler] = rsession
php_admin_value[session.save_path] = "$save_path"
php_admin_value[rsession.slow_log_ms] = 500
CONF
"$fpm" -n -R -F -y "$run/fpm.conf" -d "extension=$so" &
pids+=($!)
wait_port "$fpm_port" php-fpm

nginx_conf "$nginx_port" "" "\
    location = /rsession-status {
      allow 127.0.0.1;
      deny all;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $PWD/demo/status.php;
      fastcgi_pass 127.0.0.1:$fpm_port;
    }
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $PWD/demo/index.php;
      fastcgi_pass 127.0.0.1:$fpm_port;
    }"
start_nginx "$nginx_port"

url=http://127.0.0.1:$nginx_port
# One visitor: a first request makes the session, then 199 more with its cookie, 4 at a time.
curl -s -f --max-time 5 -c "$run/cookie" "$url/" > /dev/null
started=$(date +%s%N)
curl -s --no-progress-meter -f --max-time 30 -Z --parallel-max 4 -b "$run/cookie" "$url/?visit=[2-200]" > "$run/shared.out"
# New visitors: no cookie, a new session each.
curl -s --no-progress-meter -f --max-time 30 -Z --parallel-max 4 "$url/?new=[1-100]" > "$run/new.out"
took=$(( ($(date +%s%N) - started) / 1000000 ))
last=$(curl -s -f --max-time 5 -b "$run/cookie" "$url/")

# Each worker's counters: fetched until both pids answered (which worker takes a request is
# up to the kernel), the latest of each kept.
php_stats() { php -n -r "$1" "$run"; }
for _ in $(seq 200); do
  curl -s -f --max-time 5 "$url/rsession-status" > "$run/status.json"
  pid=$(php -n -r 'echo json_decode(file_get_contents($argv[1]), true)["pid"] ?? "";' "$run/status.json")
  [ -n "$pid" ] && cp "$run/status.json" "$run/worker-$pid.json"
  [ "$(ls "$run"/worker-*.json 2>/dev/null | wc -l)" -ge 2 ] && break
done

echo "fpm-stats: 301 requests to 2 php-fpm workers in ${took} ms; the shared session's page now says: $last"
echo "php --ri rsession with the workers' settings, after a session in this CLI process:"
php -n -d "extension=$so" -d session.save_handler=rsession -d "session.save_path=\"$save_path\"" \
  -r 'session_start(); session_write_close(); (new ReflectionExtension("rsession"))->info();' |
  grep -E '^(rsession support|Version|Active save_path|Node )'
echo "One worker's rsession_stats():"
first=$(ls "$run"/worker-*.json | head -n 1)
cat "$first"
# The sums and the checks, in PHP (one JSON per worker).
php_stats '
$run = $argv[1];
$workers = array_map(fn ($f) => json_decode(file_get_contents($f), true), glob("$run/worker-*.json"));
$sum = fn (string $k) => array_sum(array_column($workers, $k));
$errors = array_sum(array_map(fn ($w) => array_sum($w["errors"]), $workers));
$nodes = array_merge(...array_map(fn ($w) => array_values($w["nodes"]), $workers));
printf("Summed over %d workers: reads %d, writes %d, lock_acquisitions %d, lock_waits %d (%.3f s), connections_opened %d, errors %d, bytes_written %d\n",
    count($workers), $sum("reads"), $sum("writes"), $sum("lock_acquisitions"), $sum("lock_waits"),
    $sum("lock_wait_seconds"), $sum("connections_opened"), $errors, $sum("bytes_written"));
$checks = [
    "both workers answered the status page" => count($workers) === 2,
    "every request read its session once (301)" => $sum("reads") === 301,
    "every request wrote its session once (301)" => $sum("writes") === 301,
    "every request locked its session once (301)" => $sum("lock_acquisitions") === 301,
    "the two workers waited for each other\x27s lock on the shared session" => $sum("lock_waits") > 0,
    "each worker opened one connection" => array_column($workers, "connections_opened") === [1, 1],
    "no errors, no lock timeouts, no lost locks" => $errors + $sum("lock_timeouts") + $sum("locks_lost") === 0,
    "every node is up" => array_unique(array_column($nodes, "state")) === ["up"],
];
$failed = 0;
foreach ($checks as $what => $ok) {
    echo ($ok ? "ok" : "FAILED"), ": $what\n";
    $failed += $ok ? 0 : 1;
}
exit($failed);
' && status=0 || status=$?
counter=$(sed -n 's/.*counter \([0-9]*\).*/\1/p' <<< "$last")
if [ "$counter" = 201 ]; then
  echo "ok: the shared session's counter is 201 (its first request, 199 more 4 at a time, one more): no write lost"
else
  echo "FAILED: the shared session's counter is '$counter', expected 201"
  status=$((status + 1))
fi
checks=9
if [ "$status" -ne 0 ]; then
  logs >&2
  echo "fpm-stats: $((checks - status)) passed, $status failed"
  exit 1
fi
echo "fpm-stats: $checks passed, 0 failed"
