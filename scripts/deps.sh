#!/usr/bin/env bash
# Installs the Debian packages the build, tests and demo need, only those missing:
# one `apt-get update`, then one `apt-get install -y`.
set -euo pipefail
# php8.2-memcached is the peer the compatibility tests check sessions against; the other peers
# and wrk are for the benchmark (make bench, and its smoke run in make test). strace counts
# round trips and system calls in php-tests/048-memcached-round-trips.phpt.
packages=(build-essential pkg-config libclang-dev php8.2-dev php8.2-cli redis-server redis-tools
          memcached php8.2-memcached nginx php8.2-fpm curl
          php8.2-redis php8.2-memcache php8.2-igbinary php8.2-msgpack wrk strace)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# Debian starts services on install; we start our own on our own ports.
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
