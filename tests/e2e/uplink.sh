#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/uplink.sh — the real sensor and the real hub: the sensor's
# spool delivers every event exactly once while the hub is down at first,
# rate-limits, is stopped mid-upload and restarted, and while the sensor is
# killed with SIGKILL mid-upload and restarted. Also: nothing internal in
# the hub's store, the shared feed reaches the sensor and its ruleset, and
# a plain-http hub_url off loopback is refused.
. "$(dirname "$0")/lib.sh"
set -u

SAMPLE=$SRCDIR/data/samples/loghub-OpenSSH_2k.log
H=$TMP/hub
S=$TMP/sme
mkdir -p "$S"
wait_for() {
  local t=$(( $1 * 10 )); shift
  while [ "$t" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
  return 1
}
q() { sqlite3 "$H/hub.db" "$1" 2>/dev/null; }
# jget FILE|- a.b.0.c: one JSON member (python3 is in scripts/deps).
jget() { python3 -c 'import json,sys
f=sys.argv[1]; d=json.load(sys.stdin) if f=="-" else json.load(open(f))
for k in sys.argv[2].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$@" 2>/dev/null; }

# ---- hub: plain HTTP on a fixed loopback port (it is restarted), a low
# per-tenant rate so that the upload takes a while.
PORT=$(free_port)
"$MAMORI" hub init --dir "$H" --listen "127.0.0.1:$PORT" --plain >/dev/null 2>&1
check "hub init" test -f "$H/hub.db"
sed -i -e 's/^rate = .*/rate = 8/' -e 's/^burst = .*/burst = 8/' "$H/hub.conf"
TOKEN=$("$MAMORI" hub tenant add --dir "$H" --id sme1 --name "SME 1" --kind sme 2>/dev/null | head -1)
TOKEN2=$("$MAMORI" hub tenant add --dir "$H" --id sme2 --name "SME 2" --kind sme 2>/dev/null | head -1)
check "tenant tokens" test -n "$TOKEN" -a -n "$TOKEN2"
HUBPID=
start_hub() {
  "$MAMORI" hub serve --dir "$H" 2>>"$H/serve.log" &
  HUBPID=$!
  wait_for 10 curl -sf "http://127.0.0.1:$PORT/api/v1/health"
}
stop_hub() { [ -n "$HUBPID" ] && kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null; HUBPID=; }

# ---- sensor: the sshd sample, alerts plus authentication failures from
# public addresses as events, small batches.
{ cat "$SAMPLE"; echo; } >"$S/all.log"
CONF=$S/sensor.conf
cat >"$CONF" <<EOF
[sensor]
state_dir = $S/state
alerts = $S/alerts.json
year = 2015
timezone = +00:00
state_interval = 1
status_interval = 1
rescan_ms = 100

[input auth]
path = $S/auth.log
type = syslog

[uplink]
hub_url = http://127.0.0.1:$PORT
token = $TOKEN
spool_dir = $S/spool
tenant_secret = e2e-tenant-secret-0123456789
batch_max = 10
send_events = authentication_failure, invalid_user
feed_wait = 2
backoff_cap = 1
EOF
SPID=
start_sensor() { "$MAMORI" sensor --config "$CONF" 2>>"$S/sensor.log" & SPID=$!; }
status_lines() { jget "$S/state/status.json" sources.0.lines || echo 0; }
spooled() { cat "$S"/spool/*.seg 2>/dev/null | wc -l; }
hub_n() { q "SELECT count(*) FROM events WHERE tenant='sme1'"; }
hub_ge() { [ "$(hub_n)" -ge "$1" ] 2>/dev/null; }

# 1. The hub is down: the sensor reads the whole log and spools.
cp "$S/all.log" "$S/auth.log"
start_sensor
read_all() { [ "$(status_lines)" = 2000 ]; }
wait_for 60 read_all
check "sensor read the sample" test "$(status_lines)" = 2000
# wait until the spool stops growing
prev=-1; for _ in $(seq 50); do n=$(spooled); [ "$n" = "$prev" ] && break; prev=$n; sleep 0.3; done
N=$(spooled)
check_ge "records spooled while the hub is down" 200 "$N"
check "uploader retried (hub down)" grep -q "retry" "$S/sensor.log"
sleep 2   # the sensor's offsets are saved (state_interval = 1)

# 2. The hub comes up, rate-limited: kill -9 the sensor mid-upload.
start_hub
check "hub serves" curl -sf "http://127.0.0.1:$PORT/api/v1/health"
wait_for 30 hub_ge 20
mid=$(hub_n)
kill -9 "$SPID"; wait "$SPID" 2>/dev/null; SPID=
check "killed mid-upload (0 < $mid < $N)" test "$mid" -gt 0 -a "$mid" -lt "$N"

# 3. Restart the sensor; stop the hub again mid-way for a while.
start_sensor
wait_for 30 hub_ge $(( mid + 30 ))
stop_hub
mid2=$(hub_n)
check "hub stopped mid-upload ($mid2 < $N)" test "$mid2" -lt "$N"
sleep 3
start_hub
wait_for 90 hub_ge "$N"
sleep 2

# 4. Exactly once: every spooled record is in the hub, once, with the ids
# the spool gave (1..N), and nothing else.
check_eq "hub holds every spooled record" "$N" "$(hub_n)"
check_eq "no event id twice" "$(hub_n)" "$(q "SELECT count(DISTINCT event_id) FROM events WHERE tenant='sme1'")"
SPOOLID=$(jget "$S/spool/state.json" spool_id)
# (records of a file's line are named after the line: "<spool>-o<hash>.<k>",
# so a line read again after a crash keeps its id, uplink-replay.sh; the
# others, e.g. alerts of a window that expired, "<spool>-<seq>")
check_eq "ids are the spool's" "$N" \
  "$(q "SELECT count(*) FROM events WHERE tenant='sme1' AND event_id GLOB '$SPOOLID-*'")"
check_eq "cursor at the end" "$N" "$(jget "$S/spool/state.json" acked)"
check_eq "acknowledged segments deleted" 0 "$(ls "$S"/spool/*.seg 2>/dev/null | wc -l)"
# The sensor read each line once: a crash-free reference run gives the same
# number of records.
ALERTS=$(wc -l <"$S/alerts.json")
check_eq "every alert of the sensor is at the hub once" "$ALERTS" \
  "$(q "SELECT count(*) FROM events WHERE tenant='sme1' AND kind='alert'")"
check_ge "events as well as alerts" 100 "$(q "SELECT count(*) FROM events WHERE tenant='sme1' AND kind='event'")"

# 5. De-identification: user names and the host name of the sample never
# reach the hub; the attackers do.
DUMP=$TMP/dump.sql
sqlite3 "$H/hub.db" .dump >"$DUMP"
leaks=0
for w in LabSZ fztu zhangyan webmaster '"root"' '"admin"' 'Failed password' 'pam_unix'; do
  grep -qF -- "$w" "$DUMP" && { leaks=$((leaks + 1)); echo "# leaked: $w"; }
done
check_eq "no user or host name in the hub store" 0 "$leaks"
check "attacker address kept" grep -qF 183.62.140.253 "$DUMP"
check "user names hashed" grep -qF '"user":{"name":"h:' "$DUMP"

# 6. Feed: a second tenant sees the same attacker → campaign → the
# indicator reaches this sensor's feed file and its ruleset (reload).
# (same log time as the sample, so that both fall in the hub's window)
NOW=2015-12-10T10:55:00.000Z
curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/events" \
  -H "Authorization: Bearer $TOKEN2" -H 'Content-Type: application/x-ndjson' \
  --data-binary "{\"@timestamp\":\"$NOW\",\"event\":{\"kind\":\"alert\",\"id\":\"x-1\",\"severity\":2},\"rule\":{\"id\":\"ssh.bruteforce\"},\"source\":{\"ip\":\"183.62.140.253\"}}" >/dev/null
wait_for 20 grep -qx 183.62.140.253 "$S/state/feed.txt"
check "feed reached the sensor" grep -qx 183.62.140.253 "$S/state/feed.txt"
ioc_loaded() { [ "$(jget "$S/state/status.json" rules.ioc_ips)" -ge 1 ] 2>/dev/null; }
wait_for 10 ioc_loaded
check_ge "sensor ruleset reloaded with the feed" 1 "$(jget "$S/state/status.json" rules.ioc_ips)"

kill "$SPID"; wait "$SPID" 2>/dev/null
stop_hub
# The uplink's status file (written every 2 s and at stop).
check_eq "uplink.json: nothing pending" 0 "$(jget "$S/state/uplink.json" spool.pending)"
check_eq "uplink.json: nothing dropped" 0 "$(jget "$S/state/uplink.json" spool.dropped)"
check_eq "uplink.json: spool id" "$SPOOLID" "$(jget "$S/state/uplink.json" spool.spool_id)"

# 7. Configuration: plain http off loopback is refused at start (exit 2).
sed "s#^hub_url = .*#hub_url = http://192.0.2.10:$PORT#" "$CONF" >"$S/bad.conf"
check_rc "plain http to a non-loopback hub refused" 2 "$MAMORI" sensor --config "$S/bad.conf"
"$MAMORI" sensor --config "$S/bad.conf" 2>"$S/bad.err"
check "error names 127.0.0.1" grep -q "127.0.0.1" "$S/bad.err"
