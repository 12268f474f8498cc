#!/usr/bin/env bash
# The two ways onto a machine, and off it again, tried on this machine's own PHP (as root):
# - the Debian package: build it (scripts/deb.sh), `apt-get install` it, check that the system's
#   PHP (CLI, php-fpm, CGI) loads it once, quietly, and that a session goes through it; then
#   `apt-get remove` and, after a second install, `apt-get purge`: nothing of it may be left.
# - make install, then make uninstall: nothing left either, even when rsession.ini went first.
# Each check prints one line; the last line is "package: N passed, M failed".
#
# The machine is put back whatever happens: an rsession package installed before is not touched
# (the test refuses to run), and files a `make install` left are set aside and put back. While
# the package is installed, every `php` started without -n loads it; the test suites load their
# own build with -n and are not affected. Each install is removed after a few seconds of checks.
#   scripts/package-test.sh   (uses target/release/librsession.so as it is: make build first)
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
started=$SECONDS
passed=0 failed=0
pass() { echo "package: ok: $*"; passed=$((passed + 1)); }
fail() { echo "package: FAIL: $*"; failed=$((failed + 1)); }
check() { # description command...
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
  echo "package: $passed passed, $failed failed ($((SECONDS - started))s)"
  [ "$failed" -eq 0 ]
  exit
}

so=target/release/librsession.so
php_config=${PHP_CONFIG:-php-config}
ver=$("$php_config" --version | cut -d. -f1,2)
ext_dir=$("$php_config" --extension-dir)
phpapi=$("$php_config" --phpapi)
ini=/etc/php/$ver/mods-available/rsession.ini
state=/var/lib/php/modules/$ver
upstream=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
apt_get=(apt-get -y -q -o DPkg::Lock::Timeout=120)
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
  fail "installing a package needs root: run make test as root"
  finish
fi
[ -f "$so" ] || { fail "$so is missing: run 'make build'"; finish; }
# One package test at a time on this machine (other worktrees run make test too).
exec 9>/run/lock/rsession-package-test.lock
flock -w 300 9 || { fail "another package test held /run/lock/rsession-package-test.lock for 5 minutes"; finish; }
status=$(dpkg-query -W -f='${db:Status-Status}' rsession 2>/dev/null || true)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
  fail "the rsession package is on this machine ($status): the test does not remove someone's install; 'apt-get purge rsession' first"
  finish
fi

# Everything of rsession's in PHP's configuration: the conf.d links (to the ini, even dangling),
# and phpenmod's records: enabled_by_*/disabled_by_* per SAPI, and the registry.
rsession_links() {
  find "/etc/php/$ver" -type l 2>/dev/null | while read -r link; do
    [ "$(readlink -m "$link")" != "$ini" ] || echo "$link"
  done
}
rsession_state() { ls -d "$state"/*/*/rsession "$state"/registry/rsession 2>/dev/null; }
rsession_files() { # what make install or the package put on the machine
  ls -d "$ext_dir/rsession.so" "$ini" 2>/dev/null; rsession_links; rsession_state
}
wipe() {
  if [ "$(dpkg-query -W -f='${db:Status-Status}' rsession 2>/dev/null)" != not-installed ]; then
    dpkg --purge rsession >/dev/null 2>&1
  fi
  rsession_files | xargs -r rm -f
}

tmp=$(mktemp -d)
servers_started=0
restore() {
  wipe
  [ ! -s "$tmp/backup.tar" ] || tar -xpPf "$tmp/backup.tar"
  [ "$servers_started" -eq 0 ] || scripts/servers.sh stop
  rm -rf "$tmp"
}
# A make install already on the machine is set aside now and put back at the end.
mapfile -t before < <(rsession_files)
if [ ${#before[@]} -gt 0 ]; then
  echo "package: setting aside what make install left (back at the end): ${before[*]}"
  tar -cpPf "$tmp/backup.tar" "${before[@]}" || { fail "cannot back up ${before[*]}"; rm -rf "$tmp"; finish; }
fi
trap restore EXIT
wipe
if ! redis-cli -p "$RSESSION_TEST_REDIS_PORT" ping >/dev/null 2>&1; then
  scripts/servers.sh start && servers_started=1
fi

# $1 lists rsession once in `$2 -m`, nothing warns at startup; $1=0: not listed, and no warning
# either (a conf.d link left to a missing library would warn "Unable to load").
loads() { # times php-binary
  local out
  out=$("$2" -m 2>&1) || return 1
  if printf '%s\n' "$out" | grep -iE 'warning|error|unable|already loaded'; then return 1; fi
  [ "$(printf '%s\n' "$out" | grep -cx rsession)" -eq "$1" ]
}
sapis=(php$ver php-fpm$ver php-cgi$ver)
elapsed() { awk -v now="$EPOCHREALTIME" -v then="$1" 'BEGIN { printf "%.1f", now - then }'; }
# A session written by one system php and read back by another, through php.ini-style settings.
session_cycle() {
  local id args
  id=pkgtest$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  args=(-d session.save_handler=rsession -d "session.save_path=redis://127.0.0.1:$RSESSION_TEST_REDIS_PORT"
        -d session.use_strict_mode=0 -d session.use_cookies=0 -d session.cache_limiter=)
  "php$ver" "${args[@]}" -r 'session_id($argv[1]); session_start() || exit(1); $_SESSION["n"] = $argv[1];' "$id" &&
  [ "$("php$ver" "${args[@]}" -r 'session_id($argv[1]); session_start() || exit(1); echo $_SESSION["n"] ?? "none"; session_destroy();' "$id")" = "$id" ]
}
# Every library the dynamic linker resolves for the installed library comes with a package in Depends.
libraries_in_depends() {
  local depends path pkg ok=0
  depends=" $(dpkg-query -W -f='${Depends}' rsession | sed 's/([^)]*)//g; s/[,|]/ /g') "
  for path in $(ldd "$ext_dir/rsession.so" | grep -oE '/[^ ]+'); do
    pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null)
    pkg=${pkg%%:*}
    if [ -z "$pkg" ] || [[ "$depends" != *" $pkg "* ]]; then
      echo "package: $path (from ${pkg:-no package}) is not in Depends:$depends"; ok=1
    fi
  done
  return $ok
}
nothing_left() { # label files-the-package-had...
  local label=$1; shift
  local f left=()
  for f in "$@"; do
    [ -d "$f" ] && [ ! -L "$f" ] && continue  # directories shared with PHP's other packages
    if [ -e "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
  done
  check "$label: none of its files is left${left:+ (left: ${left[*]})}" [ ${#left[@]} -eq 0 ]
  left=($(rsession_links))
  check "$label: no link to rsession.ini under /etc/php/$ver${left:+ (left: ${left[*]})}" [ ${#left[@]} -eq 0 ]
  left=($(rsession_state))
  check "$label: no phpenmod state for rsession in $state${left:+ (left: ${left[*]})}" [ ${#left[@]} -eq 0 ]
  for php in "${sapis[@]}"; do
    check "$label: $php -m no longer lists rsession, and does not warn" loads 0 "$php"
  done
}

# The package's build: as make deb does it, into a directory of the test's own.
deb=$(DEB_DIR=$tmp/deb PHP_CONFIG=$php_config scripts/deb.sh "$so" | tail -n 1)
name=rsession_${upstream}-1_$(dpkg --print-architecture).deb
check "scripts/deb.sh builds $name" eval '[ "$deb" = "$tmp/deb/$name" ] && [ -f "$deb" ]'
[ -f "$deb" ] || finish
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends names the PHP API it was built for, phpapi-$phpapi, and php$ver-common ($depends)" \
  eval '[[ ", $depends," == *", phpapi-$phpapi,"* && ", $depends," == *", php$ver-common,"* ]]'
dpkg-deb -x "$deb" "$tmp/root"
check "the packaged library is stripped (no symbol table)" \
  eval "! readelf -S '$tmp/root$ext_dir/rsession.so' | grep -q '\.symtab'"
check "the packaged rsession.ini loads the extension at priority 30" \
  [ "$(cat "$tmp/root$ini")" = $'; priority=30\nextension=rsession' ]
check "no conffile, no postrm: apt-get remove keeps nothing back for a purge" \
  eval "! dpkg-deb --ctrl-tarfile '$deb' | tar -t | grep -qE 'conffiles|postrm'"

# Install, check, remove: the system's PHP loads the package for as short a time as this takes.
window=$EPOCHREALTIME
check "apt-get install ./…deb" eval '"${apt_get[@]}" install "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; false; }'
check "php --ri rsession shows version $upstream" eval "php$ver --ri rsession | grep -qx 'Version => $upstream'"
for php in "${sapis[@]}"; do
  check "$php -m lists rsession once, nothing warns" loads 1 "$php"
done
check "a session written by the system php is read back by another" session_cycle
check "every library ldd resolves for the installed rsession.so comes from a package in Depends" libraries_in_depends
for target in install uninstall; do
  check "make $target refuses to touch the package's files" \
    eval '! make -s $target >"$tmp/make.log" 2>&1 && grep -q "apt-get remove rsession" "$tmp/make.log" &&
      cmp -s "$ext_dir/rsession.so" "$tmp/root$ext_dir/rsession.so" && [ -f "$ini" ] && [ -n "$(rsession_links)" ]'
done
mapfile -t listed < <(dpkg -L rsession)
check "apt-get remove rsession" eval '"${apt_get[@]}" remove rsession >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; false; }'
check "after apt-get remove dpkg keeps no record of rsession" \
  [ "$(dpkg-query -W -f='${db:Status-Status}' rsession 2>/dev/null || echo not-installed)" = not-installed ]
installed_for=$(elapsed "$window")
nothing_left "apt-get remove" "${listed[@]}"

window=$EPOCHREALTIME
check "apt-get install again" eval '"${apt_get[@]}" install "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; false; }'
# An upgrade (here the same version again) disables and enables it again, but what the
# administrator disabled stays disabled.
phpdismod -v "$ver" -s cgi rsession
check "apt-get install --reinstall (an upgrade)" \
  eval '"${apt_get[@]}" install --reinstall "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; false; }'
check "after the upgrade php$ver -m lists rsession once, nothing warns" loads 1 "php$ver"
check "after the upgrade php-cgi$ver, where phpdismod disabled it, still does not load it" loads 0 "php-cgi$ver"
check "apt-get purge rsession" eval '"${apt_get[@]}" purge rsession >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; false; }'
echo "package: the package was installed for ${installed_for}s, then $(elapsed "$window")s"
nothing_left "apt-get purge" "${listed[@]}"

# make install, then make uninstall.
check "make install" eval 'make -s install >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; false; }'
for php in "${sapis[@]}"; do
  check "after make install, $php -m lists rsession once, nothing warns" loads 1 "$php"
done
check "make install records rsession as enabled by phpenmod" eval '[ -n "$(rsession_state)" ]'
check "make uninstall" eval 'make -s uninstall >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; false; }'
nothing_left "make uninstall" "$ext_dir/rsession.so" "$ini"
# An administrator deleted rsession.ini by hand first: the links now point nowhere (and
# PHP skips them quietly), and phpdismod, which needs the ini, does nothing. make uninstall
# removes them and the records all the same.
make -s install >/dev/null 2>&1
rm -f "$ini"
check "make uninstall after rsession.ini was deleted" eval 'make -s uninstall >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; false; }'
nothing_left "make uninstall without rsession.ini" "$ext_dir/rsession.so" "$ini"
finish
