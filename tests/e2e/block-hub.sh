#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/block-hub.sh — the whole blocking chain (issue 14) in two network
# namespaces: the hub and a sensor with [block] enabled run in the "edge"
# namespace next to a TCP service; two tenants report the same attackers, the
# feed reaches the sensor, which drops them (counted) while an allowlisted
# address still gets through; the per-tenant lists appliances pull; a
# retraction at the hub (CLI and admin API) restores connectivity; a killed
# sensor's entries expire; `mamori sensor --unblock` removes everything.
set -u
. "$(dirname "$0")/lib.sh"

skip_all() { echo "ok - block-hub e2e # SKIP $1"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
command -v ip >/dev/null || skip_all "no ip command (iproute2)"
command -v curl >/dev/null || skip_all "no curl"
PY=$(python3 -c 'import sys; print(sys.executable)') || skip_all "no python3"

SFX=$$
EDGE=mm-bh-edge-$SFX
NET=mm-bh-net-$SFX
ip netns add "$EDGE" 2>/dev/null || skip_all "ip netns add failed"
ip netns add "$NET" || { ip netns del "$EDGE"; skip_all "ip netns add failed"; }
cleanup() {
  exec 2>/dev/null # the shell's "Killed" notes of the background jobs
  for ns in "$EDGE" "$NET"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  ip netns del "$EDGE" 2>/dev/null
  ip netns del "$NET" 2>/dev/null
  [ -n "${KEEP:-}" ] && cp -r "$TMP" /tmp/bh-keep; rm -rf "$TMP"
}
trap cleanup EXIT
E() { ip netns exec "$EDGE" "$@"; }
N() { ip netns exec "$NET" "$@"; }
ip link add "bhe$SFX" netns "$EDGE" type veth peer name "bhn$SFX" netns "$NET"
E ip addr add 45.33.32.1/24 dev "bhe$SFX"
for a in 2 3 4; do N ip addr add "45.33.32.$a/24" dev "bhn$SFX"; done
E ip link set lo up; N ip link set lo up
E ip link set "bhe$SFX" up; N ip link set "bhn$SFX" up
E nft list tables >/dev/null 2>&1 || skip_all "nftables is not usable in this kernel"

ATK=45.33.32.2    # attacker: in the feed, then retracted
FRIEND=45.33.32.3 # in the feed, allowlisted by the sensor
ATK2=45.33.32.4   # attacker for the expiry and --unblock checks
PORT=8514
SEEN=$TMP/seen.log
: >"$SEEN"
E "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("45.33.32.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, a = s.accept()
    with open(sys.argv[2], "a") as f: f.write(a[0] + "\n")
    c.close()
' "$PORT" "$SEEN" &
probe() {
  N "$PY" -c '
import socket, sys
s = socket.socket(); s.settimeout(1.0); s.bind((sys.argv[1], 0))
try:
    s.connect(("45.33.32.1", int(sys.argv[2]))); sys.exit(0)
except OSError:
    sys.exit(1)
' "$1" "$PORT"
}
blocked() { ! probe "$1"; }
wait_for() {
  local t=$(( $1 * 10 )); shift
  while [ "$t" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
  return 1
}
# secs_until LIMIT CMD...: seconds until CMD succeeds (LIMIT+1 when never).
secs_until() {
  local lim=$1 t0; shift; t0=$(date +%s.%N)
  if wait_for "$lim" "$@"; then "$PY" -c "import time;print(int(time.time()-$t0+0.999))"
  else echo $((lim + 1)); fi
}
jget() { "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$@" 2>/dev/null; }
wait_for 5 probe "$FRIEND"
check "service reachable from the attacker before blocking" probe "$ATK"

# ---- hub (inside the edge namespace, loopback)
H=$TMP/hub
HP=$(E "$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
E "$MAMORI" hub init --dir "$H" --listen "127.0.0.1:$HP" --plain >/dev/null 2>&1
T1=$(E "$MAMORI" hub tenant add --dir "$H" --id sme1 --name "SME 1" --kind sme --range 45.33.60.0/24 2>/dev/null | head -1)
T2=$(E "$MAMORI" hub tenant add --dir "$H" --id sme2 --name "SME 2" --kind sme 2>/dev/null | head -1)
E "$MAMORI" hub serve --dir "$H" 2>>"$TMP/serve.log" &
URL=http://127.0.0.1:$HP
check "hub up" wait_for 10 E curl -sf "$URL/api/v1/health"
report() { # report TOKEN ID IP...
  local tok=$1 id=$2 body="" ip; shift 2
  for ip in "$@"; do
    body+="{\"@timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"event\":{\"kind\":\"alert\",\"id\":\"$id-$ip\",\"severity\":3},\"rule\":{\"id\":\"ssh.bruteforce\"},\"source\":{\"ip\":\"$ip\"}}"$'\n'
  done
  printf '%s' "$body" | E curl -sf -X POST "$URL/api/v1/events" -H "Authorization: Bearer $tok" \
    -H 'Content-Type: application/x-ndjson' --data-binary @- >/dev/null
}
check "two tenants report the attackers" report "$T1" a "$ATK" "$FRIEND" "$ATK2" 45.33.50.7
report "$T2" b "$ATK" "$FRIEND" "$ATK2" 45.33.50.7
feedtxt() { E curl -sf -H "Authorization: Bearer $T1" "$URL/api/v1/feed.txt"; }
check "campaign puts the attackers in the shared feed" wait_for 10 bash -c "$(declare -f E feedtxt); EDGE=$EDGE URL=$URL T1=$T1 feedtxt | grep -qx $ATK2"

# ---- lists appliances pull (FortiGate, Palo Alto, Cisco): tenant token
list() { E curl -s -H "Authorization: Bearer $1" "$URL/api/v1/blocklist/$2"; }
for f in fortigate paloalto cisco; do
  body=$(list "$T1" "$f.txt")
  check "$f list lists the attackers" grep -qx "$ATK" <<<"$body"
  check_eq "$f list: one IP or CIDR per line, nothing else" 0 \
    "$(grep -cvE '^[0-9a-f.:]+(/[0-9]+)?$' <<<"$body")"
done
check "Basic auth with the token as password (how appliances send it)" bash -c "ip netns exec $EDGE curl -sf -u fw:$T1 $URL/api/v1/blocklist/fortigate.txt | grep -qx $ATK"
check_eq "Basic auth with a wrong password: 401" 401 "$(E curl -s -o /dev/null -w '%{http_code}' -u fw:nope "$URL/api/v1/blocklist/fortigate.txt")"
check_eq "list without a token: 401" 401 "$(E curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/blocklist/paloalto.txt")"
check_eq "unknown list format: 404" 404 "$(E curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T1" "$URL/api/v1/blocklist/checkpoint.txt")"
check_eq "list served as text/plain" "text/plain; charset=utf-8" \
  "$(E curl -s -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $T1" "$URL/api/v1/blocklist/fortigate.txt")"
# A member joins whose own range holds a listed address: no list names it.
E "$MAMORI" hub tenant add --dir "$H" --id sme3 --name "SME 3" --kind sme --range 45.33.50.0/24 >/dev/null 2>&1
check "a member's own range leaves every list" wait_for 15 bash -c "! $(declare -f E list); EDGE=$EDGE URL=$URL list $T1 fortigate.txt | grep -q 45.33.50.7"

# ---- the sensor with [block] enabled, fed by the hub
S=$TMP/sme
mkdir -p "$S"
: >"$S/auth.log"
: >"$S/resolv.conf"
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
token = $T1
tenant_secret = e2e-tenant-secret-0123456789
feed_wait = 2
backoff_cap = 1

[block]
enabled = yes
allow = $FRIEND
ttl = 8
sync = 1
report = 1
resolv = $S/resolv.conf
EOF
# not through E: $! must be the sensor itself (ip netns exec execs it)
start_sensor() {
  ip netns exec "$EDGE" "$MAMORI" sensor --config "$S/sensor.conf" 2>>"$S/sensor.log" &
  SPID=$!
}
start_sensor
check "feed reached the sensor" wait_for 20 grep -qx "$ATK" "$S/state/feed.txt"
check "attacker blocked by the sensor" wait_for 10 blocked "$ATK"
before=$(grep -c "^$ATK\$" "$SEEN")
probe "$ATK"
check_eq "the service saw nothing from the attacker" "$before" "$(grep -c "^$ATK\$" "$SEEN")"
check "allowlisted address is never blocked" probe "$FRIEND"
check "status.json: enforce mode" wait_for 5 bash -c "grep -q '\"mode\":\"enforce\"' '$S/state/status.json'"
dropped() { [ "$(jget "$S/state/status.json" block.dropped_packets)" -ge 1 ]; }
check "status.json counts dropped packets" wait_for 5 dropped
wait_for 5 dropped || { python3 -c "import json;print(json.load(open(\"$S/state/status.json\"))[\"block\"])"; E nft list set inet mamori block_v4; tail -5 "$S/sensor.log"; } | sed "s/^/# /"

# The counters reach the hub: a mamori.block event in the store (the same
# durable upload path as the alerts).
hubdropped() {
  local v
  v=$(sqlite3 "$H/hub.db" "SELECT max(CAST(json_extract(json,'\$.mamori.block.dropped_packets') AS INTEGER)) FROM events WHERE tenant='sme1' AND json LIKE '%mamori.block%'" 2>/dev/null)
  [ -n "$v" ] && [ "$v" -ge 1 ]
}
check "dropped-packet counters uploaded to the hub" wait_for 15 hubdropped
# ---- retraction at the hub (CLI on the store, the server picks it up)
check "hub feed retract" E "$MAMORI" hub feed retract --dir "$H" --value "$ATK" --reason "e2e false positive"
t=$(secs_until 60 probe "$ATK")
check "retraction restores connectivity within a minute (took ${t}s)" test "$t" -le 60
check "retraction reached the sensor's feed as a removal" bash -c "! grep -qx $ATK '$S/state/feed.txt'"
check "retracted address is in no list" bash -c "! ip netns exec $EDGE curl -s -H 'Authorization: Bearer $T1' $URL/api/v1/blocklist/paloalto.txt | grep -qx $ATK"
check "retraction recorded with its reason" grep -q "e2e false positive" "$H/retractions.log"
check_eq "admin retract from loopback" 200 "$(E curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/admin/retract?value=45.33.50.7")"
t=$(secs_until 60 bash -c "! grep -qx 45.33.50.7 '$S/state/feed.txt'")
check "admin API retraction leaves the sensor's feed within a minute (took ${t}s)" test "$t" -le 60
check "the feed says remove, not just a missing line" bash -c "ip netns exec $EDGE curl -s -H 'Authorization: Bearer $T1' '$URL/api/v1/feed?since=0' | grep -q '\"value\":\"45.33.50.7\".*\"op\":\"remove\"'"
check_eq "retract of a non-address refused" 2 "$(E "$MAMORI" hub feed retract --dir "$H" --value 'bad value!' >/dev/null 2>&1; echo $?)"

# ---- the sensor dies while it blocks the second attacker: its entries
# expire by themselves (ttl 8 s), the table stays.
check "second attacker still blocked" blocked "$ATK2"
kill -9 "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
check_eq "sensor is gone" "" "$(ip netns pids "$EDGE" | grep -x "$SPID")"
t=$(secs_until 30 probe "$ATK2")
check "sensor killed: its entries expire by themselves (ttl 8 s, took ${t}s)" test "$t" -le 30
check "expired, not removed: mamori's table is still there" bash -c "ip netns exec $EDGE nft list tables | grep -q mamori"

echo "$ATK2" >"$S/local-feed.txt"
# --unblock removes everything [block] (or `mamori block apply`) added.
E "$MAMORI" block apply --feed "$S/local-feed.txt" --ttl 60 --resolv "$S/resolv.conf" 2>/dev/null
check "blocked again" blocked "$ATK2"
check "mamori sensor --unblock" E "$MAMORI" sensor --unblock
check "connectivity back right after --unblock" probe "$ATK2"
check_eq "no mamori table left" "" "$(E nft list tables | grep mamori)"
