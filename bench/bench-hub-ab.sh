#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-hub-ab.sh — two (or more) mamori binaries compared on
# bench-hub.sh, run alternately so the machine's drift falls on both: each
# run is one bench-hub.sh (a fresh hub, EVENTS events without the latency
# phase, then the raw SQLite loop of the same rows as that run's baseline).
# Prints one line per run and the medians per binary.
# Usage: bench/bench-hub-ab.sh ROUNDS BIN [BIN…]   (EVENTS=200000)
# Example: git worktree add /tmp/old <commit> && make -C /tmp/old -s all &&
#          bench/bench-hub-ab.sh 5 /tmp/old/build/mamori build/mamori
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: bench/bench-hub-ab.sh ROUNDS BIN [BIN…]" >&2; exit 2; }
ROUNDS=$1; shift
BINS=()
for b in "$@"; do BINS+=("$(realpath "$b")"); done # before the cd
set -- "${BINS[@]}"
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-200000}
make -s -j2 all
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc/core -Isrc/hub bench/bench-hub-load.c \
   -o build/bench-hub-load $(pkg-config --libs libcurl sqlite3 libzstd) -lpthread
R=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-ab.XXXXXX")
trap 'rm -rf "$R"' EXIT

one_run() { # one_run BIN: prints "events/s rows/s ratio" of one bench-hub.sh run
  local out
  out=$(MAMORI=$1 BENCH_HUB_BUILT=1 bench/bench-hub.sh "$EVENTS" --no-latency 2>&1)
  printf '%s %s %s\n' "$(grep -o '[0-9]* events/s' <<<"$out" | head -1 | cut -d' ' -f1)" \
    "$(grep -o '[0-9]* rows/s' <<<"$out" | head -1 | cut -d' ' -f1)" \
    "$(grep -o 'ratio hub/baseline: [0-9.]*' <<<"$out" | cut -d' ' -f3)"
}

median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

for r in $(seq "$ROUNDS"); do
  i=0
  for bin in "$@"; do
    line=$(one_run "$bin")
    echo "$line" >>"$R/results.$i"
    echo "round $r  $bin: hub ${line%% *} events/s, baseline $(cut -d' ' -f2 <<<"$line") rows/s, ratio ${line##* }"
    i=$((i + 1))
  done
done
i=0
for bin in "$@"; do
  echo "median  $bin: hub $(cut -d' ' -f1 "$R/results.$i" | median) events/s," \
       "ratio $(cut -d' ' -f3 "$R/results.$i" | median) (ratios: $(cut -d' ' -f3 "$R/results.$i" | sort -n | tr '\n' ' '))"
  i=$((i + 1))
done
