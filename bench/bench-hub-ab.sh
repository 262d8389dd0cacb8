#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-hub-ab.sh — two (or more) mamori binaries compared on
# bench-hub.sh's load, run alternately so the machine's drift falls on both:
# each run is a fresh hub, the load of EVENTS events without the latency
# phase, then the raw SQLite loop of the same rows as that run's baseline.
# Prints one line per run and the medians per binary.
# Usage: bench/bench-hub-ab.sh ROUNDS BIN [BIN…]   (EVENTS=200000)
# Example: git worktree add /tmp/old <commit> && make -C /tmp/old -s all &&
#          bench/bench-hub-ab.sh 5 /tmp/old/build/mamori build/mamori
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/bench-hub-ab.sh ROUNDS BIN [BIN…]" >&2; exit 2; }
ROUNDS=$1; shift
EVENTS=${EVENTS:-200000}
make -s -j2 all
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc/core -Isrc/hub bench/bench-hub-load.c \
   -o build/bench-hub-load $(pkg-config --libs libcurl sqlite3 libzstd) -lpthread
R=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-ab.XXXXXX")
trap '[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$R"' EXIT

one_run() { # one_run BIN: prints "events/s rows/s ratio"
  local bin=$1 D
  D=$(mktemp -d "$R/run.XXXXXX")
  "$bin" hub init --dir "$D/hub" --listen 127.0.0.1:0 --plain >/dev/null
  printf 'rate = 1000000\nburst = 1000000\n' >>"$D/hub/hub.conf"
  printf 'tenant_events_per_s = 1e9\ntenant_bytes_per_s = 1e12\ntenant_quota_mb = 1000000\n' \
    >>"$D/hub/hub.conf"
  local ta tb out
  ta=$("$bin" hub tenant add --dir "$D/hub" --id a --name A --kind sme 2>/dev/null)
  tb=$("$bin" hub tenant add --dir "$D/hub" --id b --name B --kind sme 2>/dev/null)
  "$bin" hub serve --dir "$D/hub" 2>/dev/null & PID=$!
  for _ in $(seq 100); do [ -s "$D/hub/hub.port" ] && break; sleep 0.1; done
  out=$(build/bench-hub-load "http://127.0.0.1:$(cat "$D/hub/hub.port")/api/v1/events" \
    "$ta" "$tb" "$D/hub/hub.db" "$D/baseline.db" "$EVENTS" --no-latency 2>&1)
  kill -INT "$PID"; wait "$PID" 2>/dev/null; PID=
  rm -rf "$D"
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
