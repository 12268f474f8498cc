#!/usr/bin/env bash
# Installs the Debian packages the build, tests and demo need, only those missing:
# one `apt-get update`, then one `apt-get install -y`.
set -euo pipefail

# Rust first: without a recent enough toolchain nothing builds, and an old cargo only says that it
# cannot read Cargo.lock. The minimum is the highest `rust-version` among the crates Cargo.lock
# builds (parking_lot 0.13, through scheduled-thread-pool); scripts/rust-version.sh recomputes it,
# and `make test` fails if this line falls behind.
rust_min=1.95
version_of() { # "rustc 1.63.0 (...)" -> 1.63.0; nothing if the tool is missing or prints no version
  { "$@" --version 2>/dev/null || true; } | sed -n '1s/^[^ ]* \([0-9][0-9.]*\).*/\1/p'
}
older_than() { # is version $1 older than $2?
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" != "$2" ]
}
rust_problem=""
for tool in "${RUSTC:-rustc}" cargo; do
  where=$(command -v "$tool" || true)
  found=$(version_of "$tool")
  if [ -z "$where" ]; then
    rust_problem+="  $tool: not found in PATH${SUDO_USER:+ (sudo resets PATH: run 'make build' as $SUDO_USER first)}"$'\n'
  elif [ -z "$found" ]; then
    rust_problem+="  $tool ($where): does not say its version"$'\n'
  elif older_than "$found" "$rust_min"; then
    rust_problem+="  $tool $found ($where): too old"$'\n'
  fi
done
if [ -n "$rust_problem" ]; then
  cat >&2 <<EOF
deps: rsession needs Rust $rust_min or newer (rustc and cargo), found:
$rust_problem
Debian bookworm's own rustc (1.63) and cargo are too old. Either:
  - rustup, as the user who builds:
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
      . "\$HOME/.cargo/env"
    (rustup already installed: rustup update stable)
  - or Debian's newer Rust from bookworm-security (it replaces the rustc and cargo packages):
      apt-get install rustc-web cargo-web
EOF
  exit 1
fi
# php8.2-memcached is the peer the compatibility tests check sessions against; the other peers
# and wrk are for the benchmark (make bench, and its smoke run in make test). PHP's own session
# tests (scripts/ext-session.sh) need php8.2-cgi for the upload progress tests, and dpkg-dev for
# `apt-get source`, which fetches them. strace counts round trips and system calls in
# php-tests/063-memcached-round-trips.phpt. openssl (the CLI) makes the TLS tests' certificates
# (php-tests/inc/helpers.php, rs_tls_certs), and ca-certificates is the system CA store that
# rediss:// without cafile= trusts. The ZTS leg (scripts/zts-php.sh) builds PHP from Debian's
# source: autoconf regenerates Debian's patched configure, and the build links OpenSSL and PCRE2.
packages=(build-essential pkg-config libclang-dev php8.2-dev php8.2-cli redis-server redis-tools
          memcached php8.2-memcached nginx php8.2-fpm curl
          php8.2-redis php8.2-memcache php8.2-igbinary php8.2-msgpack wrk
          php8.2-cgi dpkg-dev strace openssl ca-certificates
          autoconf libssl-dev libpcre2-dev)
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
