#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-pg-migrate.sh [EVENTS] — `mamori hub migrate` on a large
# PostgreSQL database (docs/scale.md, "Retention and migrations on a large
# PostgreSQL"): a database at schema version 6 with EVENTS events (default
# 5,000,000) spread over six months (2026-01 .. 2026-06), then the
# migration to the current version timed while an uploader inserts one
# event per transaction; prints how long the migration took and the longest
# an insert waited during it. Then a month is pruned whole (events_prune
# at a hub's start) and timed, with the same uploader. Not part of `make
# bench` (about 6 minutes at 5,000,000 events on 2 vCPUs, most of it
# making the data); run it by hand:
#   make -j2 && bench/bench-pg-migrate.sh [EVENTS]
# It starts its own PostgreSQL with scripts/cluster (fsync on) in a
# temporary directory and stops it at the end.
set -euo pipefail
N=${1:-5000000}
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
MAMORI=${MAMORI:-$SRCDIR/build/mamori}
DIR=$(mktemp -d /tmp/mm-pgmig.XXXXXX)
chmod 755 "$DIR"
PROBE=
cleanup() {
  set +e # every step runs, whatever failed before
  touch "$DIR/stop"
  [ -z "$PROBE" ] || wait "$PROBE" 2>/dev/null
  if [ -n "${HUB:-}" ]; then
    kill "$HUB" 2>/dev/null
    wait "$HUB" 2>/dev/null
  fi
  "$SRCDIR/scripts/cluster" down --dir "$DIR/cl" >/dev/null 2>&1
  rm -rf "$DIR"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }

"$SRCDIR/scripts/cluster" up --no-nats --dir "$DIR/cl" >"$DIR/up.log"
. "$DIR/cl/cluster.env"
PSQL="$MM_PG_BIN/psql -X -q -t -A -v ON_ERROR_STOP=1 $MM_PG_URI"

# the current schema, taken back to version 6 (undo here what every
# migration after 6 adds when one is appended)
"$MAMORI" hub migrate --store "$MM_PG_URI" >/dev/null
$PSQL <<'SQL'
DROP INDEX events_mamori;
DROP TABLE scs_answers, scs_requests;
DROP TABLE IF EXISTS event_parts;
ALTER TABLE events_other DROP CONSTRAINT IF EXISTS events_other_range;
DELETE FROM mamori_schema WHERE version >= 7;
SQL

# six month partitions and N events in them: 1,000 tenants, one in 20 a
# sensor report of the mamori.status dataset (what the index finds), the
# rest alerts; JSON of about 330 bytes as sensors send them
t0=$(now_ms)
$PSQL <<SQL
DO \$\$ BEGIN FOR m IN 1..6 LOOP EXECUTE format(
  'CREATE TABLE events_y2026m%s PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
  lpad(m::text, 2, '0'),
  (extract(epoch FROM make_date(2026, m, 1)) * 1000)::bigint,
  (extract(epoch FROM make_date(2026, m, 1) + interval '1 month') * 1000)::bigint);
END LOOP; END \$\$;
INSERT INTO events(tenant,event_id,kind,ts,rule_id,severity,src_ip,domain,
  url_path,users_hash,received,json)
SELECT 't' || (g % 1000), 'e' || g, CASE WHEN g % 20 = 0 THEN 'event' ELSE
  'alert' END, ts, 'ssh.bruteforce', 2, '203.0.113.' || (g % 250), '', '', 0,
  ts + 2000,
  CASE WHEN g % 20 = 0 THEN
  '{"@timestamp":"2026-03-01T00:00:00Z","event":{"id":"e' || g ||
  '","kind":"event","dataset":"mamori.status"},"observer":{"hostname":' ||
  '"sensor-' || (g % 1000) || '","version":"0.9.0"},"mamori":{"status":' ||
  '{"sources":3,"lines":123456,"alerts":12,"dropped":0,"uptime_s":86400}}}'
  ELSE
  '{"@timestamp":"2026-03-01T00:00:00Z","event":{"id":"e' || g ||
  '","kind":"alert","category":["authentication"],"action":' ||
  '"authentication_failure","outcome":"failure","severity":2,"dataset":' ||
  '"sshd"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"203.0.113.' ||
  (g % 250) || '"},"user":{"name":"admin"},"service":{"type":"ssh"},' ||
  '"observer":{"hostname":"sensor-' || (g % 1000) || '"}}'
  END
FROM (SELECT g, 1767225600000 + (g - 1) * (15638400000 / $N) AS ts
      FROM generate_series(1, $N) g) s;
INSERT INTO event_keys(tenant,event_id) SELECT tenant,event_id FROM events;
VACUUM ANALYZE;
SQL
t1=$(now_ms)
size=$($PSQL -c "SELECT pg_size_pretty(pg_total_relation_size('events')+coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent='events'::regclass),0))")
echo "database at version 6: $N events in 6 months, $size, made in $(((t1 - t0) / 1000)) s"

# the uploader: one event per transaction into the newest month, each
# insert's start and end (ms) logged
probe() { # probe TAG
  local i=0 s e
  while [ ! -e "$DIR/stop" ]; do
    i=$((i + 1))
    s=$(now_ms)
    $PSQL -c "BEGIN; INSERT INTO event_keys VALUES('up','$1$i'); INSERT INTO events(tenant,event_id,kind,ts,received,json) VALUES('up','$1$i','alert',1781222400000,1781222400000,'{}'); COMMIT" >/dev/null
    e=$(now_ms)
    echo "$s $e" >>"$DIR/probe"
  done
}
probe m &
PROBE=$!
sleep 3
m0=$(now_ms)
"$MAMORI" hub migrate --store "$MM_PG_URI" >"$DIR/migrate.log" 2>&1 || { cat "$DIR/migrate.log"; exit 1; }
m1=$(now_ms)
sleep 3
touch "$DIR/stop"
wait "$PROBE"
PROBE=
cat "$DIR/migrate.log"
awk -v a="$m0" -v b="$m1" '
  $2 >= a && $1 <= b { n++; w = $2 - $1; if (w > max) max = w }
  $1 < a { pre++; pw += $2 - $1 }
  END { printf "migrate: %.1f s; inserts during it: %d, longest insert wait %.1f s (an insert took %.0f ms before it)\n",
        (b - a) / 1000, n, max / 1000, pre ? pw / pre : 0 }' "$DIR/probe"
echo "events_mamori: $($PSQL -c "SELECT pg_size_pretty(sum(pg_relation_size(inhrelid))) || ' in ' || count(*) || ' partitions, valid=' || (SELECT indisvalid FROM pg_index WHERE indexrelid='events_mamori'::regclass) FROM pg_inherits WHERE inhparent='events_mamori'::regclass")"

# retention: a hub whose horizon (retention_days from now) is past 2026-02
# drops January whole at its start (the prune runs at once)
mkdir -p "$DIR/hub"
"$MAMORI" hub init --dir "$DIR/hub" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
days=$((($(date +%s) - 1770681600) / 86400)) # to 2026-02-10
sed -i '/^retention_days/d' "$DIR/hub/hub.conf"
echo "retention_days = $days" >>"$DIR/hub/hub.conf"
# a tenant of the store, whose requests to the pruning hub are timed (a
# request waits for the hub's lock while a prune step holds it)
echo "store = $MM_PG_URI" >>"$DIR/hub/hub.conf"
TOKEN=$("$MAMORI" hub tenant add --dir "$DIR/hub" --id t0 --name T0 --kind sme 2>/dev/null)
hubprobe() {
  local port=
  while [ ! -e "$DIR/stop" ] && [ -z "$port" ]; do port=$(cat "$DIR/hub/hub.port" 2>/dev/null || true); sleep 0.01; done
  while [ ! -e "$DIR/stop" ]; do
    echo "$(now_ms) $(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/inbox")" >>"$DIR/hubprobe"
    sleep 0.02
  done
}
rm -f "$DIR/stop" "$DIR/probe" "$DIR/hubprobe" "$DIR/hub/hub.port"
probe p &
PROBE=$!
sleep 2
p0=$(now_ms)
"$MAMORI" hub serve --dir "$DIR/hub" --plain --store "$MM_PG_URI" >"$DIR/serve.log" 2>&1 &
HUB=$!
hubprobe &
HPROBE=$!
until [ "$($PSQL -c "SELECT to_regclass('events_y2026m01') IS NULL AND NOT EXISTS(SELECT 1 FROM pg_tables WHERE tablename LIKE 'events_drop_%')")" = t ]; do
  sleep 0.2
  [ $(($(now_ms) - p0)) -lt 600000 ] || { echo "prune did not finish in 10 min"; exit 1; }
done
p1=$(now_ms)
sleep 2
touch "$DIR/stop"
wait "$PROBE"
PROBE=
echo "retention: January (about $((N / 6)) events) dropped whole with its keys, and 2026-02-01..10 row by row, in $(((p1 - p0) / 1000)).$(((p1 - p0) % 1000 / 100)) s from the hub's start"
awk -v a="$p0" -v b="$p1" '$2 >= a && $1 <= b { n++; w = $2 - $1; if (w > max) max = w }
  END { printf "  inserts during it: %d, longest insert wait %.1f s\n", n, max / 1000 }' "$DIR/probe"
wait "$HPROBE" || true
awk -v b="$p1" '$1 <= b { n++; if ($2 != 200) bad++; if ($3 > max) max = $3 }
  END { printf "  the pruning hub: %d requests answered during it (%d not 200), the longest in %.2f s\n", n, bad, max }' "$DIR/hubprobe"
