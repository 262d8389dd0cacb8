#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/uplink-replay.sh — issue 12 (carried over): after a kill -9 the
# sensor reads the lines after its last saved offsets again. Their records
# must reach the hub under the ids they had before the crash, so the hub's
# idempotence on (tenant, event.id) stores each line's event once. A writer
# appends lines while the sensor is killed with SIGKILL and restarted three
# times; in the end the hub holds exactly one event per line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub; S=$TMP/sme; mkdir -p "$S"
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
TOKEN=$("$MAMORI" hub tenant add --dir "$H" --id sme1 --name S --kind sme 2>/dev/null)
hub_serve "$H" --plain

: >"$S/access.log"
# state_interval 60: offsets are saved at start and at stop only (and
# plain events are fsynced with them), so every
# kill -9 makes the next start read lines it already spooled
cat >"$S/sensor.conf" <<CONF
[sensor]
state_dir = $S/state
state_interval = 60
status_interval = 1
rescan_ms = 50

[input web]
path = $S/access.log
type = web-access

[uplink]
hub_url = $URL
token = $TOKEN
tenant = sme1
spool_dir = $S/spool
tenant_secret = e2e-tenant-secret-0123456789
send_events = http_request
feed = false
batch_max = 50
CONF
start_sensor() {
  "$MAMORI" sensor --config "$S/sensor.conf" 2>>"$S/err" &
  SPID=$!; PIDS+=("$SPID")
}
n() { sqlite3 "$H/hub.db" "SELECT count(*) FROM events WHERE tenant='sme1' AND kind='event'" 2>/dev/null; }
D='[07/Dec/2026:01:02:03 +0000]'
write_lines() { # $1 = first line number, $2 = count
  for i in $(seq "$1" $(($1 + $2 - 1))); do
    echo "45.33.$((i / 250)).$((i % 250 + 1)) - - $D \"GET /p/$i HTTP/1.1\" 404 10 \"-\" \"curl/8\""
  done >>"$S/access.log"
}
started() { # the sensor read what was there and saved its offsets
  for _ in $(seq 200); do
    grep -qs "\"pid\":$SPID," "$S/state/status.json" && return 0; sleep 0.05
  done
}
read_all() { # the sensor's status shows it read the whole file
  local size; size=$(stat -c %s "$S/access.log")
  for _ in $(seq 200); do
    grep -qs "\"offset\":$size," "$S/state/status.json" && return 0; sleep 0.05
  done
}
start_sensor; started
LINES=0
for round in 1 2 3; do
  # read after the start (offsets not saved again: their records are
  # spooled, not yet uploaded), then a crash: the next start reads them
  # again, and uploads both the spooled records and the new ones
  write_lines $((LINES + 1)) 200; LINES=$((LINES + 200))
  read_all
  kill -9 "$SPID"; wait "$SPID" 2>/dev/null
  start_sensor; started
done
for _ in $(seq 200); do [ "$(n)" -ge "$LINES" ] && break; sleep 0.1; done
sleep 1.5 # replays still in flight would land now
check_eq "each of the $LINES lines' events is stored once after 3 kill -9" "$LINES" "$(n)"
check_eq "each line's request path is there once" "$LINES" "$(sqlite3 "$H/hub.db" "SELECT count(DISTINCT json_extract(json,'\$.url.path')) FROM events WHERE kind='event'")"
# the spool's sequence counts every record written: more than the lines
# means lines were read and spooled again after the crashes
ACKED=$(sed -n 's/.*"acked":\([0-9]*\).*/\1/p' "$S/spool/state.json")
check_ge "lines were read again after the crashes (spooled $ACKED for $LINES)" $((LINES + 1)) "$ACKED"
kill "$SPID"; wait "$SPID" 2>/dev/null
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
