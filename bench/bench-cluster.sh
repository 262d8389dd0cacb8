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
#  3. CPU per event of each component (front ends, NATS nodes,
#     correlator, PostgreSQL) in each run, from /proc/PID/stat (a shared
#     machine slows wall time, not the CPU an event costs); then 3 front
#     ends with requests of 10 and of 1 event (what sensors send: a few
#     events at a time);
#  4. bytes on disk per stored event: PostgreSQL (pg_total_relation_size
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
CORR=$!
FES="${PIDS[*]:0:3}"
NATS="$(for f in "$MM_CLUSTER_DIR"/nats[123]/pid; do cat "$f"; echo; done | tr '\n' ' ')"
PGM=$(head -1 "$MM_CLUSTER_DIR/pg/data/postmaster.pid")
# cpu_ticks PID…: user+system ticks of the processes and of their reaped
# children; pg_ticks: the postmaster's and its live backends'
cpu_ticks() {
  local t=0 p f
  for p in "$@"; do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    f=${f##*) }
    # shellcheck disable=SC2086
    set -- $f
    t=$((t + ${12} + ${13} + ${14} + ${15}))
  done
  echo $t
}
# shellcheck disable=SC2046
pg_ticks() { cpu_ticks "$PGM" $(ps --ppid "$PGM" -o pid=); }
# shellcheck disable=SC2086
snapshot() { echo "$(cpu_ticks $FES) $(cpu_ticks $NATS) $(cpu_ticks $CORR) $(pg_ticks)"; }

# run_k K BATCH EVENTS: the load over the first K front ends in requests of
# BATCH events; its row: acknowledged and stored events/s against the
# SQLite hub, CPU per event of each component during the run
SENT=0
run_k() {
  local k=$1 b=$2 n=$3 urls before want t0 t1 got ack e2e c0 c1
  urls=$(IFS=,; echo "${URLS[*]:0:$k}")
  before=$(psql_q 'SELECT count(*) FROM events')
  want=$((before + n / b * b))
  c0=$(snapshot)
  t0=$(now)
  build/bench-hub-load "$urls" "$TA" "$TB" - "$D/baseline.db" "$n" --tag "fe$k-$b" \
    --batch "$b" --no-baseline --no-latency >"$D/fe$k-$b.out" 2>&1 || true
  got=$before
  for _ in $(seq 2400); do
    got=$(psql_q 'SELECT count(*) FROM events')
    [ "$got" -ge "$want" ] && break
    sleep 0.25
  done
  t1=$(now)
  c1=$(snapshot)
  SENT=$((SENT + got - before))
  ack=$(sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' "$D/fe$k-$b.out" | head -1)
  e2e=$(calc "'%.0f' % (($got - $before) / ($t1 - $t0))")
  python3 - "$c0" "$c1" "$(getconf CLK_TCK)" "$((got - before))" "$k" "$b" "${ack:-0}" "$e2e" "$SQ" \
    "$IDLE" "$(calc "$t1 - $t0")" <<'EOP'
import sys
a, b, idle = [list(map(float, x.split())) for x in (sys.argv[1], sys.argv[2], sys.argv[10])]
hz, ev, k, batch, ack, e2e, sq = map(int, sys.argv[3:10])
dt = float(sys.argv[11])
# minus what the component burns idle (heartbeats, reloads) over the run
us = ["%6.1f" % (max(y - x - i * dt, 0) / hz * 1e6 / max(ev, 1)) for x, y, i in zip(a, b, idle)]
print("  %2d %6d %10d %7.2f %10d %7.2f   %s" % (k, batch, ack, ack / max(sq, 1), e2e, e2e / max(sq, 1), " ".join(us)))
EOP
  [ "$got" -ge "$want" ] || echo "  !! $k front end(s): the correlator stored $((got - before))/$((want - before)) events"
  grep -q ', 0 failed batches' "$D/fe$k-$b.out" || grep '^hub ingest' "$D/fe$k-$b.out" | sed 's/^/  !! /'
}
# idle CPU (ticks/s) of each component over 5 s, subtracted in run_k
i0=$(snapshot) ti0=$(now)
sleep 5
i1=$(snapshot) ti1=$(now)
IDLE=$(python3 -c "import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); print(' '.join('%.2f' % ((int(y) - int(x)) / ($ti1 - $ti0)) for x, y in zip(a, b)))" "$i0" "$i1")
echo "  idle CPU, ticks/s of $(getconf CLK_TCK) (front ends, NATS, correlator, PostgreSQL): $IDLE"
echo "  front  batch   acked ev/s /SQLite stored ev/s /SQLite   CPU us/event: front ends, NATS (3), correlator, PostgreSQL"
echo "  ends  (events)"
run_k 1 1000 "$N"
run_k 2 1000 "$N"
run_k 3 1000 "$N"
run_k 3 10 $((N / 10))
run_k 3 1 $((N / 20))
echo "  (one correlator; SQLite hub in the same run: $SQ events/s; stored = from the first upload until the correlator has committed the last event; CPU from /proc/PID/stat of the processes, their idle CPU subtracted: the machine's load slows wall time, not the CPU an event costs)"

# 2. warning latency through the bus, the backlog drained
urls=$(IFS=,; echo "${URLS[*]}")
build/bench-hub-load "$urls" "$TA" "$TB" - "$D/baseline.db" 0 --tag lat \
  --bus-latency >"$D/lat.out" 2>&1 || true
sed 's/^/  /' "$D/lat.out"

# 4. bytes per stored event
ev=$(psql_q 'SELECT count(*) FROM events')
pg=$(psql_q "SELECT coalesce(sum(pg_total_relation_size(inhrelid)),0) FROM pg_inherits WHERE inhparent='events'::regclass")
keys=$(psql_q "SELECT pg_total_relation_size('event_keys')")
js=$(du -sb "$MM_CLUSTER_DIR/nats1/jetstream" | cut -f1)
sent=$((SENT + 400))
json=$(psql_q 'SELECT round(avg(length(json))) FROM events')
echo "  disk: PostgreSQL events (partitions, indexes, TOAST) $((pg / ev)) B/event + event_keys $((keys / ev)) B/event" \
  "(${ev} events, raw JSON ${json} B/event); JetStream store of one node $((js / sent)) B/event" \
  "(${js} B for ${sent} events, most in batches of 1000; R3: x3 over the cluster)"
