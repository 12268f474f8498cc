#!/usr/bin/env bash
# Prints the oldest Rust that can build rsession: the highest `rust-version` among the crates
# Cargo.lock builds for this machine (dependencies and build dependencies; dev-dependencies are
# left out). With --check, fails unless scripts/deps.sh demands exactly that version, so the
# setup's version check can neither let a too-old toolchain through nor refuse a good one.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
needed=$(cargo metadata --format-version 1 --locked --filter-platform "$host" | php -n -r '
  $m = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
  $packages = array_column($m["packages"], null, "id");
  $nodes = array_column($m["resolve"]["nodes"], null, "id");
  $root = $m["resolve"]["root"];
  $seen = [];
  $todo = [$root];
  while ($todo) {
    $id = array_pop($todo);
    if (isset($seen[$id])) { continue; }
    $seen[$id] = true;
    foreach ($nodes[$id]["deps"] as $dep) {
      $kinds = array_column($dep["dep_kinds"], "kind");
      if ($kinds === array_fill(0, count($kinds), "dev")) { continue; }
      $todo[] = $dep["pkg"];
    }
  }
  $max = "0"; $who = "";
  foreach (array_keys($seen) as $id) {
    $v = $packages[$id]["rust_version"] ?? null;
    if ($v !== null && version_compare($v, $max) > 0) { $max = $v; $who = $packages[$id]["name"] . " " . $packages[$id]["version"]; }
  }
  echo "$max $who\n";
')
read -r version who_name who_version <<< "$needed"
# "1.95" and "1.95.0" are the same version.
short() { sed -E 's/^([0-9]+\.[0-9]+)\.0$/\1/' <<< "$1"; }
if [ "${1:-}" != --check ]; then
  echo "$(short "$version") ($who_name $who_version)"
  exit 0
fi
demanded=$(sed -n 's/^rust_min=//p' scripts/deps.sh)
if [ "$(short "$version")" != "$(short "$demanded")" ]; then
  echo "rust-version: Cargo.lock needs Rust $(short "$version") ($who_name $who_version), but scripts/deps.sh checks for $demanded: set rust_min=$(short "$version") there and in README.md" >&2
  exit 1
fi
echo "rust-version: Cargo.lock needs Rust $demanded ($who_name $who_version), as scripts/deps.sh checks"
