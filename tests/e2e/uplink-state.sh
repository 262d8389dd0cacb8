#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/uplink-state.sh — issue 12 (carried over): the hub's
# state-backed indicators (mamori hub ioc import) reach the sensors in the
# feed they pull, marked as state-backed, with the feed's type checks and
# allowlist; a line from such an address at the sensor raises the critical
# alert ioc.state, which names the list as state-backed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub; S=$TMP/sme; mkdir -p "$S"
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
TOKEN=$("$MAMORI" hub tenant add --dir "$H" --id sme1 --name S --kind sme 2>/dev/null)
# a state-backed address, a domain, and an allowlisted resolver (never sent)
printf '%s\n' 45.77.66.55 apt-c2.example-bad.com 8.8.8.8 >"$TMP/state.txt"
check "state-backed list imported" "$MAMORI" hub ioc import --dir "$H" "$TMP/state.txt"
hub_serve "$H" --plain

FEED=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/feed")
check "the feed marks the address state-backed" bash -c "echo '$FEED' | grep -q '\"value\":\"45.77.66.55\",\"confidence\":100,\"state\":true'"
check "the allowlisted resolver is not in the feed" bash -c "! echo '$FEED' | grep -q 8.8.8.8"

: >"$S/auth.log"
cat >"$S/sensor.conf" <<CONF
[sensor]
state_dir = $S/state
alerts = $S/alerts.json
status_interval = 1
rescan_ms = 50

[input ssh]
path = $S/auth.log
type = sshd

[uplink]
hub_url = $URL
token = $TOKEN
tenant = sme1
spool_dir = $S/spool
tenant_secret = e2e-tenant-secret-0123456789
feed_wait = 1
CONF
"$MAMORI" sensor --config "$S/sensor.conf" 2>"$S/err" &
SPID=$!; PIDS+=("$SPID")
for _ in $(seq 150); do grep -qs 45.77.66.55 "$S/state/feed-state.txt" && break; sleep 0.1; done
check "the sensor's state-backed list has the address" grep -qx 45.77.66.55 "$S/state/feed-state.txt"
check "… and the domain" grep -qx apt-c2.example-bad.com "$S/state/feed-state.txt"
check "… not in the shared feed file" bash -c "! grep -q 45.77.66.55 '$S/state/feed.txt'"
check "the allowlisted resolver did not reach the sensor" bash -c "! grep -q 8.8.8.8 '$S/state/feed-state.txt'"
# the ruleset reloads with the list (status: indicator count)
for _ in $(seq 100); do grep -qs '"ioc_ips":[1-9]' "$S/state/status.json" && break; sleep 0.1; done
echo "Dec  7 01:02:03 gw sshd[123]: Failed password for root from 45.77.66.55 port 4242 ssh2" >>"$S/auth.log"
for _ in $(seq 100); do grep -qs ioc.state "$S/alerts.json" && break; sleep 0.1; done
A=$(grep ioc.state "$S/alerts.json" | head -1)
check "a line from the address raises ioc.state" test -n "$A"
check "… critical" bash -c "echo '$A' | grep -q '\"severity\":\"critical\"'"
check "… naming it state-backed" bash -c "echo '$A' | grep -q 'state-backed attacker'"
check "… from the state-backed list" bash -c "echo '$A' | grep -q '\"provider\":\"feed-state\"'"
check "… and not also the ordinary ioc.ip" bash -c "! grep -q '\"ioc.ip\"' '$S/alerts.json'"
kill "$SPID"; wait "$SPID" 2>/dev/null
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
