#!/usr/bin/env bash
# Builds a minimal thread-safe (ZTS) PHP 8.2, with the embed SAPI, from Debian's php8.2 source
# package into a private prefix, for the ZTS leg of the tests (scripts/zts-test.sh). The system's
# PHP is left alone. The prefix is a cache kept between runs on this machine, one per installed
# php8.2 version and configure line:
#   /var/cache/rsession/zts-php8.2-<installed version> (root), else ~/.cache/rsession/...
#   (RSESSION_ZTS_CACHE sets the directory that holds it)
# A prefix is reused only when its stamp file, written last, names the same configure line: a
# build cut short is redone from the start.
#   scripts/zts-php.sh           builds unless cached; the prefix is the last line on stdout
#   scripts/zts-php.sh --prefix  prints the prefix, builds nothing
# Builds with `nice make -j2`, about 3 minutes on 2 cores; a second run (another worktree) waits
# for the first through a lock.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts=$PWD/scripts

read -r src_pkg installed < <(dpkg-query -W -f='${source:Package} ${source:Version}\n' php8.2-cli) || {
  echo "zts-php: php8.2-cli is not installed (scripts/deps.sh)" >&2; exit 1; }
if [ -n "${RSESSION_ZTS_CACHE:-}" ]; then
  cache=$RSESSION_ZTS_CACHE
elif mkdir -p /var/cache/rsession 2>/dev/null && [ -w /var/cache/rsession ]; then
  cache=/var/cache/rsession
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/rsession
fi
prefix=$cache/zts-php8.2-${installed//[^A-Za-z0-9.+-]/_}
if [ "${1:-}" = --prefix ]; then
  echo "$prefix"
  exit 0
fi

# As little as the tests need, for a short build: the session extension; pcntl and posix for the
# fork tests; openssl for the TLS tests' own client (tls:// streams). As Debian builds it: system
# time zone data and PCRE (its patches), no debug. CLI for the phpt suite, the embed SAPI
# (lib/php/libphp.so) for the threaded harness. Changing this line rebuilds the cache.
configure_args=(--enable-zts --enable-embed=shared --enable-cli --disable-cgi --disable-phpdbg
  --disable-all --disable-debug --disable-rpath --disable-opcache --without-pear
  --without-libxml --without-sqlite3 --without-pdo-sqlite
  --enable-session --enable-pcntl --enable-posix --with-openssl
  --with-external-pcre --with-system-tzdata)
cflags="-O2"
stamp_text="$src_pkg $installed: CFLAGS=$cflags ${configure_args[*]}"
stamp=$prefix/.rsession-zts-stamp

mkdir -p "$cache"
exec 9>"$cache/.zts-php8.2.lock"
if ! flock -n 9; then
  echo "zts-php: another build of the ZTS PHP is under way, waiting for it (lock $cache/.zts-php8.2.lock)" >&2
  flock 9
fi
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ] && [ -x "$prefix/bin/php" ]; then
  echo "zts-php: cached ZTS PHP $(cat "$prefix/.source-version") in $prefix" >&2
  echo "$prefix"
  exit 0
fi

started=$(date +%s)
rm -rf "$prefix"
build=$cache/zts-php8.2-build.$$
rm -rf "$cache"/zts-php8.2-build.*
trap 'rm -rf "$build"' EXIT
"$scripts/debian-source.sh" "$src_pkg" "$installed" "$build" zts-php >&2
got=$(cat "$build/source-version")
[ "$got" = "$installed" ] ||
  echo "zts-php: note: building php8.2 $got; the archive no longer has the installed $installed's source" >&2
cd "$build/tree"
log=$build/build.log
step() { # step NAME command...: runs it quietly; on failure shows the end of its output
  echo "zts-php: $1" >&2
  if ! "${@:2}" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "zts-php: $1 failed (the whole log was $log, removed now)" >&2
    exit 1
  fi
}
# Debian's patches change configure.ac (API-versioned include and extension directories, the
# system time zone data) without regenerating configure; Debian's build runs buildconf, so do we.
# Running the shipped configure instead leaves @DEBIAN_PHP_API@ in php-config's include path.
step "buildconf (autoconf)" ./buildconf --force
step "configure" env CFLAGS="$cflags" ./configure --prefix="$prefix" "${configure_args[@]}"
step "make -j2 (about 3 minutes)" nice make -j2
step "make install" make install
cp "$build/source-version" "$prefix/.source-version"

# What the tests rely on, checked once here rather than failing obscurely later.
php=$prefix/bin/php
[ "$("$php" -n -r 'echo PHP_ZTS;')" = 1 ] || { echo "zts-php: $php is not thread-safe" >&2; exit 1; }
for ext in session pcntl posix openssl; do
  "$php" -n -r "exit(extension_loaded('$ext') ? 0 : 1);" || { echo "zts-php: $php lacks $ext" >&2; exit 1; }
done
# Debian's configure.ac puts libdir in lib/php.
[ -f "$prefix/lib/php/libphp.so" ] || { echo "zts-php: no embed SAPI library $prefix/lib/php/libphp.so" >&2; exit 1; }
includes=$("$prefix/bin/php-config" --includes)
case $includes in *@*) echo "zts-php: php-config --includes is not substituted: $includes" >&2; exit 1 ;; esac
[ -f "$("$prefix/bin/php-config" --include-dir)/main/php.h" ] || {
  echo "zts-php: php-config's include directory has no main/php.h: $includes" >&2; exit 1; }

echo "$stamp_text" > "$stamp"
echo "zts-php: built ZTS PHP $got in $prefix in $(( $(date +%s) - started ))s" >&2
echo "$prefix"
