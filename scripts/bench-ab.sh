#!/usr/bin/env bash
# Two gongkai binaries side by side: full builds of one corpus into an emptied folder, one binary
# then the other, N times. On a shared machine whose speed drifts, alternating runs are what can
# tell a change of a few percent from noise. Run by hand, never in CI:
#
#   git stash; swift build -c release --product gongkai; cp .build/release/gongkai /tmp/gongkai-old
#   git stash pop; swift build -c release --product gongkai
#   scripts/bench-ab.sh /tmp/gongkai-old .build/release/gongkai 3 /tmp/gongkai-bench/corpus-10000
#
# OUT (default /dev/shm/gongkai-ab) is where the sites are built: tmpfs measures gongkai's own cost.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BIN_A BIN_B [RUNS] [CORPUS]" >&2; exit 2; }
a=$1 b=$2 runs=${3:-3} corpus=${4:-/tmp/gongkai-bench/corpus-10000}
out=${OUT:-/dev/shm/gongkai-ab}
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 1; }
for _ in $(seq "$runs"); do
  for bin in "$a" "$b"; do
    rm -rf "$out"
    /usr/bin/time -f "$bin: %e s, %U s user, %S s system, %M KB peak" "$bin" build --corpus "$corpus" --output "$out" --quiet 2>&1 >/dev/null | tail -n 1
  done
done
rm -rf "$out"
