#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-hub-pg.sh — hub ingest into PostgreSQL (store-pg.c) and into
# SQLite in the same run: the same load (bench-hub-load: two tenants, two
# keep-alive connections, batches of 1000) against a hub on SQLite, then a
# hub on a PostgreSQL started here by scripts/cluster (fsync on, 127.0.0.1
# TCP, synchronous_commit on: every acknowledged batch is durable in both).
# Skips when PostgreSQL is not installed.
# Usage: bench/bench-hub-pg.sh [EVENTS=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ]; then
  echo "skipped: PostgreSQL is not installed (apt-get install postgresql)"
  exit 0
fi
make -s -j2 all
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc/core -Isrc/hub bench/bench-hub-load.c \
   -o build/bench-hub-load $(pkg-config --libs libcurl sqlite3 libzstd) -lpthread
D=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-pg.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; scripts/cluster down --dir "$D/cluster" >/dev/null 2>&1; rm -rf "$D"' EXIT
scripts/cluster up --dir "$D/cluster" >/dev/null
. "$D/cluster/cluster.env"
N=${1:-100000}
# run NAME [STORE [BUS]]: one hub, the load, its "hub ingest" line
run() {
  local h=$D/$1
  build/mamori hub init --dir "$h" --listen 127.0.0.1:0 --plain >/dev/null
  printf 'rate = 1000000\nburst = 1000000\n' >>"$h/hub.conf"
  [ -n "${2:-}" ] && echo "store = $2" >>"$h/hub.conf"
  [ -n "${3:-}" ] && echo "bus = $3" >>"$h/hub.conf"
  local ta tb
  ta=$(build/mamori hub tenant add --dir "$h" --id a --name A --kind sme 2>/dev/null)
  tb=$(build/mamori hub tenant add --dir "$h" --id b --name B --kind sme 2>/dev/null)
  build/mamori hub serve --dir "$h" 2>/dev/null & PID=$!
  for _ in $(seq 100); do [ -s "$h/hub.port" ] && break; sleep 0.1; done
  # the load's own checks read a SQLite store: elsewhere only the
  # throughput and latency lines are taken
  build/bench-hub-load "http://127.0.0.1:$(cat "$h/hub.port")/api/v1/events" \
    "$ta" "$tb" "$h/hub.db" "$D/baseline.db" "$N" >"$D/$1.out" 2>&1 || true
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  grep -E '^(hub ingest|ingest->warning)' "$D/$1.out" |
    sed -e "s/^/  $1: /" -e "${2:+s/; campaigns with warnings in the store: [^;]*//}" \
      -e "${3:+s/ingest->warning latency (k-th sighting.s request to durable warning/publish-ack latency (the warning comes later, from the correlator/}"
}
run sqlite
run postgresql "$MM_PG_URI"
# The cluster: one front end publishing to the 3-node JetStream cluster
# (R3), one correlator (groups of 256 batches) writing PostgreSQL (its own
# database); the front end's rate is the acknowledged one, the end-to-end
# rate runs until the correlator has stored every event.
if [ -n "${MM_NATS_URLS:-}" ]; then
  "$MM_PG_BIN/psql" -X -q "$MM_PG_URI" -c 'CREATE DATABASE mamori_bus'
  BUS_DB=${MM_PG_URI%/*}/mamori_bus
  build/mamori hub migrate --store "$BUS_DB" >/dev/null
  build/mamori hub correlate --store "$BUS_DB" --bus "$MM_NATS_URLS" 2>"$D/correlate.log" & CPID=$!
  t0=$(date +%s.%N)
  run nats "$BUS_DB" "$MM_NATS_URLS"
  want=$((N / 1000 * 1000 + 400))
  for _ in $(seq 1200); do
    got=$("$MM_PG_BIN/psql" -X -q -t -A "$BUS_DB" -c 'SELECT count(*) FROM events')
    [ "$got" -ge "$want" ] && break
    sleep 0.25
  done
  t1=$(date +%s.%N)
  kill "$CPID"; wait "$CPID" 2>/dev/null || true
  echo "  nats: correlator stored $got/$want events, end to end $(python3 -c "print('%.0f' % ($got / ($t1 - $t0)))") events/s ($(python3 -c "print('%.1f' % ($t1 - $t0))") s from the first upload)"
fi
rate() { sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' "$D/$1.out" | head -1; }
s=$(rate sqlite) p=$(rate postgresql)
pq() { "$MM_PG_BIN/psql" -X -q -t -A "$MM_PG_URI" -c "$1"; }
echo "  postgresql: stored $(pq 'SELECT count(*) FROM events') events; campaigns with warnings: $(pq "SELECT count(DISTINCT c.id) FROM campaigns c JOIN warnings w ON w.campaign=c.id WHERE c.key LIKE '46.%' AND c.key_type='ip'")/200"
echo "  => PostgreSQL hub ${p:-?} events/s, SQLite hub ${s:-?} events/s: ratio $(python3 -c "print('%.2f' % (${p:-0} / max(${s:-1}, 1)))")"
