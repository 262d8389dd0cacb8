#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-hub-pg.sh — hub ingest into PostgreSQL (store-pg.c) and into
# SQLite in the same run: the same load (bench-hub-load: two tenants, two
# keep-alive connections, batches of 1000) against a hub on SQLite, then a
# hub on a PostgreSQL started here by scripts/cluster (fsync on, 127.0.0.1
# TCP, synchronous_commit on: every acknowledged batch is durable in both);
# then, when nats-server is installed, the cluster: 1, 2 and 3 front ends
# over a 3-node NATS JetStream cluster (bench/bench-cluster.sh).
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
  printf 'tenant_events_per_s = 1e9\ntenant_bytes_per_s = 1e12\ntenant_quota_mb = 1000000\n' >>"$h/hub.conf"
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
rate_of() { sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' "$D/$1.out" | head -1; }
run sqlite
run postgresql "$MM_PG_URI"
s=$(rate_of sqlite) p=$(rate_of postgresql)
pq() { "$MM_PG_BIN/psql" -X -q -t -A "$MM_PG_URI" -c "$1"; }
echo "  postgresql: stored $(pq 'SELECT count(*) FROM events') events; campaigns with warnings: $(pq "SELECT count(DISTINCT c.id) FROM campaigns c JOIN warnings w ON w.campaign=c.id WHERE c.key LIKE '46.%' AND c.key_type='ip'")/200"
echo "  => PostgreSQL hub ${p:-?} events/s, SQLite hub ${s:-?} events/s: ratio $(python3 -c "print('%.2f' % (${p:-0} / max(${s:-1}, 1)))")"
# The cluster: 1, 2 and 3 front ends (`serve --bus`, the same hub in three
# directories) publishing to the 3-node JetStream cluster (R3), one
# correlator (groups of 256 batches) writing PostgreSQL (its own
# database), the load spread over the front ends; then the warning
# latency through the bus and the bytes per event on disk.
if [ -n "${MM_NATS_URLS:-}" ]; then
  bench/bench-cluster.sh "$D" "$N" "$(rate_of sqlite)"
fi
