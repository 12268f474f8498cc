#!/usr/bin/env bash
# Fetches ext/session/tests from Debian's source package of PHP into a cache directory.
#   scripts/ext-session-fetch.sh SOURCE_PACKAGE VERSION CACHE_DIR
# Writes CACHE_DIR/ext/session/tests, CACHE_DIR/sapi/cgi/tests/include.inc (one test finds the CGI
# binary with it, by that relative path) and CACHE_DIR/source-version (the tests' version).
# scripts/debian-source.sh fetches the source, with a private apt state (no deb-src entries
# needed); when the archive no longer has VERSION's source, it takes the newest it has.
set -euo pipefail
src_pkg=$1 version=$2 cache=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$(dirname "$0")/debian-source.sh" "$src_pkg" "$version" "$tmp/source" ext-session
got=$(cat "$tmp/source/source-version")
tree=$tmp/source/tree
[ -f "$tree/ext/session/tests/skipif.inc" ] && [ -f "$tree/sapi/cgi/tests/include.inc" ] || {
  echo "ext-session: $src_pkg $got has no ext/session/tests or sapi/cgi/tests/include.inc" >&2; exit 1; }
rm -rf "$cache"
mkdir -p "$cache/ext/session" "$cache/sapi/cgi/tests"
cp -r "$tree/ext/session/tests" "$cache/ext/session/tests"
cp "$tree/sapi/cgi/tests/include.inc" "$cache/sapi/cgi/tests/"
echo "$got" > "$cache/source-version"
echo "ext-session: cached $(ls "$cache/ext/session/tests"/*.phpt | wc -l) tests of $src_pkg $got in $cache"
