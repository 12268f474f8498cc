#!/usr/bin/env bash
# Fetches and unpacks a Debian source package (Debian's patches applied, as `apt-get source` does).
#   scripts/debian-source.sh SOURCE_PACKAGE VERSION DEST_DIR [LABEL]
# Leaves the unpacked tree in DEST_DIR/tree and the version fetched in DEST_DIR/source-version;
# DEST_DIR must not exist yet. LABEL starts every message (default debian-source).
# apt-get source needs deb-src entries. Rather than edit the machine's apt configuration (and
# make every later `apt-get update` download source indexes), it runs apt with a private state:
# deb-src twins of the machine's Debian entries (deb822 *.sources and one-line *.list alike), its
# own package lists, no root needed. The archive's signatures are checked as for any apt source.
# VERSION comes first; when the archive no longer has its source (Debian keeps only the newest
# security update), the newest source of the package it has is used: compare source-version.
# Needs dpkg-dev (dpkg-source, which unpacks and patches).
set -euo pipefail
src_pkg=$1 version=$2 dest=$3 label=${4:-debian-source}

[ ! -e "$dest" ] || { echo "$label: $dest exists already" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/sources" "$tmp/src"

# deb-src twins of every Debian entry that is on. Third-party entries (other PHP builds, other
# vendors) are left out: the source must be Debian's.
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
  echo "$label: no Debian entries in /etc/apt/sources.list or /etc/apt/sources.list.d to fetch $src_pkg's source from" >&2
  exit 1
}

apt_opts=(-q -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
          -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$tmp/sources")
# As root, apt would hand the download to its _apt user, who cannot enter our private directory.
[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
echo "$label: fetching the source index (deb-src) for $src_pkg"
apt-get "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 || {
  cat "$tmp/apt.log" >&2; echo "$label: apt-get update of the deb-src entries failed" >&2; exit 1; }

# The version asked for first, then the others the archive has, newest first.
mapfile -t candidates < <(
  echo "$version"
  apt-cache "${apt_opts[@]}" showsrc "$src_pkg" 2>/dev/null | sed -n 's/^Version: //p' |
    sort -u | sort -r -V | grep -vxF "$version" || true)
got=""
for v in "${candidates[@]}"; do
  echo "$label: apt-get source $src_pkg=$v"
  if (cd "$tmp/src" && apt-get "${apt_opts[@]}" source "$src_pkg=$v" >"$tmp/source.log" 2>&1); then
    got=$v
    break
  fi
  grep -E '^(E|W):' "$tmp/source.log" | head -n 1 >&2 || true
  rm -rf "${tmp:?}/src"/*
done
[ -n "$got" ] || { echo "$label: no source of $src_pkg could be fetched" >&2; exit 1; }

tree=$(find "$tmp/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$tree" ] || { echo "$label: apt-get source $src_pkg=$got unpacked nothing" >&2; exit 1; }
mkdir -p "$dest"
mv "$tree" "$dest/tree"
echo "$got" > "$dest/source-version"
