#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-hub.sh — hub ingest throughput against a raw SQLite baseline,
# and the ingest→warning latency. Builds the release binary and the load
# generator by hand:
#   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc/core -Isrc/hub bench/bench-hub-load.c \
#      -o build/bench-hub-load $(pkg-config --libs libcurl sqlite3 libzstd) -lpthread
# Usage: bench/bench-hub.sh [EVENTS=400000] [bench-hub-load flags: --zstd, --no-latency …]
#   MAMORI=BIN         the hub binary (default build/mamori)
#   BENCH_HUB_BUILT=1  skip the two builds (bench-hub-ab.sh runs this in a loop)
set -euo pipefail
cd "$(dirname "$0")/.."
MAMORI=${MAMORI:-build/mamori}
if [ -z "${BENCH_HUB_BUILT:-}" ]; then
  make -s -j2 all
  cc -O2 -std=c11 -D_GNU_SOURCE -Isrc/core -Isrc/hub bench/bench-hub-load.c \
     -o build/bench-hub-load $(pkg-config --libs libcurl sqlite3 libzstd) -lpthread
fi
D=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-hub.XXXXXX")
trap '[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
"$MAMORI" hub init --dir "$D/hub" --listen 127.0.0.1:0 --plain >/dev/null
printf 'rate = 1000000\nburst = 1000000\n' >>"$D/hub/hub.conf"
printf 'tenant_events_per_s = 1e9\ntenant_bytes_per_s = 1e12\ntenant_quota_mb = 1000000\n' >>"$D/hub/hub.conf"
TA=$("$MAMORI" hub tenant add --dir "$D/hub" --id a --name A --kind sme 2>/dev/null)
TB=$("$MAMORI" hub tenant add --dir "$D/hub" --id b --name B --kind sme 2>/dev/null)
${HUB_WRAP:-} "$MAMORI" hub serve --dir "$D/hub" 2>/dev/null & PID=$!
for _ in $(seq 100); do [ -s "$D/hub/hub.port" ] && break; sleep 0.1; done
build/bench-hub-load "http://127.0.0.1:$(cat "$D/hub/hub.port")/api/v1/events" "$TA" "$TB" \
  "$D/hub/hub.db" "$D/baseline.db" "${1:-400000}" "${@:2}"
