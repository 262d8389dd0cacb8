#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-sensor-health.sh — sensor health at the hub: a real sensor
# with [uplink] status_interval = 1 uploads mamori.status events; the
# console API's summary fills sensors[] (lines/s, unparsed share, last
# seen) from the newest one, and calls the sensor silent once it has said
# nothing for more than 3 × its interval.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
H=$TMP/hub
S=$TMP/sensor
mkdir -p "$S"
wait_for() { local n=$(( $1 * 10 )); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
TA=$("$MAMORI" hub tenant add --dir "$H" --id a --name "Alpha 部品" --kind sme 2>/dev/null)
echo "pw-alice-secret" | "$MAMORI" hub user add --dir "$H" --tenant a --role sme --name alice --password-stdin >/dev/null 2>&1
hub_serve "$H"
curl -s -o /dev/null -c "$TMP/jar" -H 'Content-Type: application/json' \
  -d '{"user":"alice","password":"pw-alice-secret"}' "$URL/api/v1/session"
sum() { curl -s -b "$TMP/jar" "$URL/api/v1/summary"; }
check_eq "no sensor report yet: figures null, not guessed" "null null null" \
  "$(sum | jq -r '.sensors[0]|"\(.lines_per_s) \(.unparsed_share) \(.silent)"')"

# 8 sshd lines and 2 lines no parser knows: unparsed share 0.2
for i in $(seq 8); do
  echo "Dec  7 10:00:0$i web1 sshd[12$i]: Failed password for root from 45.33.1.$i port 4242 ssh2"
done >"$S/auth.log"
printf 'garbage line one\ngarbage line two\n' >>"$S/auth.log"
cat >"$S/sensor.conf" <<EOF
[sensor]
state_dir = $S/state
status_interval = 1
rescan_ms = 100

[input auth]
path = $S/auth.log
type = syslog

[uplink]
hub_url = $URL
token = $TA
tenant_secret = e2e-tenant-secret-0123456789
backoff_cap = 1
status_interval = 1
EOF
"$MAMORI" sensor --config "$S/sensor.conf" 2>>"$S/sensor.log" & SPID=$!; PIDS+=($SPID)
reported() { [ "$(sum | jq -r '.sensors[0].lines_per_s')" != null ]; }
check "the sensor's health report reaches the hub" wait_for 20 reported
sleep 2 # a report after every line was read
S1=$(sum)
check_eq "stored as mamori.status events" 1 "$(sqlite3 "$H/hub.db" "SELECT count(*) > 1 FROM events WHERE tenant='a' AND json LIKE '%\"dataset\":\"mamori.status\"%'")"
check_eq "unparsed share from the sensor's counters (2 of 10)" 0.2 "$(echo "$S1" | jq '.sensors[0].unparsed_share')"
check "lines/s is a number >= 0" bash -c "echo '$S1' | jq -e '.sensors[0].lines_per_s >= 0' >/dev/null"
check_eq "not silent while it reports" false "$(echo "$S1" | jq '.sensors[0].silent')"
check "last_seen within the last few seconds" python3 -c "
import datetime, json, sys
t = datetime.datetime.fromisoformat(json.loads('''$S1''')['sensors'][0]['last_seen'])
assert abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) < 10, t"
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
silent() { [ "$(sum | jq '.sensors[0].silent')" = true ]; }
check "silent after 3 × its interval without a report" wait_for 15 silent
