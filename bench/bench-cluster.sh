#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-cluster.sh — the scale-out hub on this machine (issue 11),
# called by bench/bench-hub-pg.sh with the cluster it started:
#  1. ingest through 1, 2 and 3 front ends (`hub serve --bus`, the same hub
#     in three directories) into the 3-node NATS JetStream cluster (stream
#     R3) and one correlator (`hub correlate`, groups of 256 batches) into
#     PostgreSQL: acknowledged events/s (bench-hub-load spreads two
#     connections per front end) and end to end (until the correlator has
#     stored every event, polled with psql), each against the SQLite hub's
#     rate from the same run;
#  2. warning latency through the bus with 3 front ends: 200 keys, each
#     sighted by tenant A then tenant B; from the ack of B's upload to the
#     warning readable in A's inbox through a front end (from PostgreSQL);
#  3. bytes on disk per stored event: PostgreSQL (pg_total_relation_size
#     of the events partitions and event_keys) and the JetStream store of
#     one node (the stream keeps every batch: no MaxAge is set).
# Usage: bench/bench-cluster.sh DIR EVENTS [SQLITE_EVENTS_PER_S]
#   DIR holds the cluster (DIR/cluster/cluster.env, scripts/cluster up).
set -euo pipefail
cd "$(dirname "$0")/.."
D=$1 N=$2 SQ=${3:-0}
# shellcheck disable=SC1091
. "$D/cluster/cluster.env"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT
psql_q() { "$MM_PG_BIN/psql" -X -q -t -A "$BUS_DB" -c "$1"; }
now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }

"$MM_PG_BIN/psql" -X -q "$MM_PG_URI" -c 'CREATE DATABASE mamori_bus'
BUS_DB=${MM_PG_URI%/*}/mamori_bus
build/mamori hub migrate --store "$BUS_DB" >/dev/null
h=$D/bus
build/mamori hub init --dir "$h" --listen 127.0.0.1:0 --plain >/dev/null
printf 'rate = 1000000\nburst = 1000000\n' >>"$h/hub.conf"
printf 'tenant_events_per_s = 1e9\ntenant_bytes_per_s = 1e12\ntenant_quota_mb = 1000000\n' >>"$h/hub.conf"
printf 'store = %s\nbus = %s\n' "$BUS_DB" "$MM_NATS_URLS" >>"$h/hub.conf"
TA=$(build/mamori hub tenant add --dir "$h" --id a --name A --kind sme 2>/dev/null)
TB=$(build/mamori hub tenant add --dir "$h" --id b --name B --kind sme 2>/dev/null)
URLS=()
for i in 1 2 3; do
  cp -r "$h" "$D/fe$i"
  rm -f "$D/fe$i/hub.port"
  build/mamori hub serve --dir "$D/fe$i" 2>>"$D/serve.log" & PIDS+=($!)
done
for i in 1 2 3; do
  for _ in $(seq 200); do [ -s "$D/fe$i/hub.port" ] && break; sleep 0.1; done
  URLS+=("http://127.0.0.1:$(cat "$D/fe$i/hub.port")/api/v1/events")
done
build/mamori hub correlate --store "$BUS_DB" --bus "$MM_NATS_URLS" --dir "$h" \
  2>>"$D/correlate.log" & PIDS+=($!)

printf '  %-22s %14s %8s %16s %8s\n' "cluster (1 correlator)" "acked events/s" "/SQLite" "stored events/s" "/SQLite"
for k in 1 2 3; do
  urls=$(IFS=,; echo "${URLS[*]:0:$k}")
  before=$(psql_q 'SELECT count(*) FROM events')
  want=$((before + N / 1000 * 1000))
  t0=$(now)
  build/bench-hub-load "$urls" "$TA" "$TB" - "$D/baseline.db" "$N" --tag "fe$k" \
    --no-baseline --no-latency >"$D/fe$k.out" 2>&1 || true
  got=$before
  for _ in $(seq 2400); do
    got=$(psql_q 'SELECT count(*) FROM events')
    [ "$got" -ge "$want" ] && break
    sleep 0.25
  done
  t1=$(now)
  ack=$(sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' "$D/fe$k.out" | head -1)
  e2e=$(calc "'%.0f' % (($got - $before) / ($t1 - $t0))")
  printf '  %-22s %14s %8s %16s %8s\n' "$k front end(s)" "${ack:-?}" \
    "$(calc "'%.2f' % (${ack:-0} / max($SQ, 1))")" "$e2e" "$(calc "'%.2f' % ($e2e / max($SQ, 1))")"
  [ "$got" -ge "$want" ] || echo "  !! $k front end(s): the correlator stored $((got - before))/$((want - before)) events"
  grep -q ', 0 failed batches' "$D/fe$k.out" || grep '^hub ingest' "$D/fe$k.out" | sed 's/^/  !! /'
done
echo "  (SQLite hub in the same run: $SQ events/s; stored = from the first upload until the correlator has committed the last event)"

# 2. warning latency through the bus, the backlog drained
urls=$(IFS=,; echo "${URLS[*]}")
build/bench-hub-load "$urls" "$TA" "$TB" - "$D/baseline.db" 0 --tag lat \
  --bus-latency >"$D/lat.out" 2>&1 || true
sed 's/^/  /' "$D/lat.out"

# 3. bytes per stored event
ev=$(psql_q 'SELECT count(*) FROM events')
pg=$(psql_q "SELECT coalesce(sum(pg_total_relation_size(inhrelid)),0) FROM pg_inherits WHERE inhparent='events'::regclass")
keys=$(psql_q "SELECT pg_total_relation_size('event_keys')")
js=$(du -sb "$MM_CLUSTER_DIR/nats1/jetstream" | cut -f1)
sent=$(( 3 * (N / 1000 * 1000) + 400 ))
json=$(psql_q 'SELECT round(avg(length(json))) FROM events')
echo "  disk: PostgreSQL events (partitions, indexes, TOAST) $((pg / ev)) B/event + event_keys $((keys / ev)) B/event" \
  "(${ev} events, raw JSON ${json} B/event); JetStream store of one node $((js / sent)) B/event" \
  "(${js} B for ${sent} events in batches of 1000, R3: x3 over the cluster)"
