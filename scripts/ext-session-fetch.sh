#!/usr/bin/env bash
# Fetches ext/session/tests from Debian's source package of PHP into a cache directory.
#   scripts/ext-session-fetch.sh SOURCE_PACKAGE VERSION CACHE_DIR
# Writes CACHE_DIR/ext/session/tests, CACHE_DIR/sapi/cgi/tests/include.inc (one test finds the CGI
# binary with it, by that relative path) and CACHE_DIR/source-version (the tests' version).
# apt-get source needs deb-src entries. Rather than edit the machine's apt configuration (and
# make every later `apt-get update` download source indexes), it runs apt with a private state:
# deb-src twins of the machine's Debian entries (deb822 *.sources and one-line *.list alike), its
# own package lists, no root needed. The archive's signatures are checked as for any apt source.
# The installed version comes first; when the archive no longer has its source (Debian keeps only
# the newest security update), the newest php8.2 source it has is used, and that is said.
set -euo pipefail
src_pkg=$1 version=$2 cache=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/sources" "$tmp/src"

# deb-src twins of every Debian entry that is on. Third-party entries (other PHP builds, other
# vendors) are left out: the tests must come from Debian's PHP.
debian_uri='(deb[.]debian[.]org|security[.]debian[.]org|ftp[.][a-z.]*debian[.]org|/debian(-security)?/?$)'
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  # deb822: stanzas separated by blank lines; keep those of type deb, not disabled, on Debian.
  awk -v uri_re="$debian_uri" '
    function flush() {
      if (stanza != "" && types ~ /(^| )deb( |$)/ && enabled !~ /^[Nn]o/ && uris ~ uri_re) print stanza "\n"
      stanza = ""; types = ""; enabled = ""; uris = ""
    }
    /^[ \t]*$/ { flush(); next }
    /^#/ { next }
    /^Types:/ { types = $0; sub(/^Types:[ \t]*/, "", types); stanza = stanza "Types: deb-src\n"; next }
    /^Enabled:/ { enabled = $2 }
    /^URIs:/ { uris = $0 }
    { stanza = stanza $0 "\n" }
    END { flush() }' "$f" > "$tmp/sources/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  # One-line format: "deb [options] uri suite components".
  awk -v uri_re="$debian_uri" '
    $1 == "deb" {
      uri = ($2 ~ /^\[/) ? "" : $2
      if (uri == "") for (i = 3; i <= NF; i++) if ($(i - 1) ~ /\]$/) { uri = $i; break }
      if (uri ~ uri_re) { $1 = "deb-src"; print }
    }' "$f" > "$tmp/sources/$(basename "$f")"
done
cat "$tmp"/sources/* 2>/dev/null | grep -q . || {
  echo "ext-session: no Debian entries in /etc/apt/sources.list or /etc/apt/sources.list.d to fetch PHP's source from" >&2
  exit 1
}

apt_opts=(-q -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
          -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$tmp/sources")
# As root, apt would hand the download to its _apt user, who cannot enter our private directory.
[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
echo "ext-session: fetching the source index (deb-src) for $src_pkg"
apt-get "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 || {
  cat "$tmp/apt.log" >&2; echo "ext-session: apt-get update of the deb-src entries failed" >&2; exit 1; }

# The installed version first, then the others the archive has, newest first.
mapfile -t candidates < <(
  echo "$version"
  apt-cache "${apt_opts[@]}" showsrc "$src_pkg" 2>/dev/null | sed -n 's/^Version: //p' |
    sort -u | sort -r -V | grep -vxF "$version" || true)
got=""
for v in "${candidates[@]}"; do
  echo "ext-session: apt-get source $src_pkg=$v"
  if (cd "$tmp/src" && apt-get "${apt_opts[@]}" source "$src_pkg=$v" >"$tmp/source.log" 2>&1); then
    got=$v
    break
  fi
  grep -E '^(E|W):' "$tmp/source.log" | head -n 1 >&2 || true
  rm -rf "${tmp:?}/src"/*
done
[ -n "$got" ] || { echo "ext-session: no source of $src_pkg could be fetched" >&2; exit 1; }

tree=$(find "$tmp/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -f "$tree/ext/session/tests/skipif.inc" ] && [ -f "$tree/sapi/cgi/tests/include.inc" ] || {
  echo "ext-session: $src_pkg $got has no ext/session/tests or sapi/cgi/tests/include.inc" >&2; exit 1; }
rm -rf "$cache"
mkdir -p "$cache/ext/session" "$cache/sapi/cgi/tests"
cp -r "$tree/ext/session/tests" "$cache/ext/session/tests"
cp "$tree/sapi/cgi/tests/include.inc" "$cache/sapi/cgi/tests/"
echo "$got" > "$cache/source-version"
echo "ext-session: cached $(ls "$cache/ext/session/tests"/*.phpt | wc -l) tests of $src_pkg $got in $cache"
