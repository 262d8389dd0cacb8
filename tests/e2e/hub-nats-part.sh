#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-nats-part.sh — partitioned correlators (docs/scale.md):
# two front ends split every batch over 8 partitions of the correlation
# keys (subjects mamori.part.<p>.<tenant>), two `hub correlate
# --partitions 8` share them through PostgreSQL locks:
#  1. differential: the replay of tests/e2e/hub-pg.sh through a SQLite hub
#     and through the partitioned cluster gives exactly the same campaigns
#     and hits, warnings, feed and escalations, none missing and none extra
#     (campaign ids and feed sequence numbers left out: two correlators
#     write in parallel); the hop chain carries events from their first
#     key's partition to the others;
#  2. SIGKILL of one correlator while six retrying uploaders send batches
#     that open campaigns: the other takes its partitions over, every
#     acknowledged batch is stored exactly once, every campaign tenant has
#     its warning exactly once, no campaign twice.
# Skips (one TAP skip line) when PostgreSQL's or NATS's binaries are missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hub-scale.bash"
need_nats

cluster_up
HS=$TMP/hs HP=$TMP/hp
setup_hub "$HS" s
setup_hub "$HP" p "$MM_PG_URI"
for f in f1 f2; do
  cp -r "$HP" "$TMP/$f"
  printf 'bus = %s\nbus_partitions = 8\n' "$MM_NATS_URLS" >>"$TMP/$f/hub.conf"
done
declare -A CORR
start_corr() { # start_corr NAME
  "$MAMORI" hub correlate --store "$MM_PG_URI" --bus "$MM_NATS_URLS" \
    --dir "$HP" --partitions 8 --group 1 2>>"$TMP/correlate-$1.log" &
  CORR[$1]=$!; PIDS+=("$!")
}
# the partitions held, per correlator session: "4 4" when shared evenly
held() {
  pq "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND granted AND objsubid=2 AND classid=1835888756 GROUP BY pid ORDER BY 1" | tr '\n' ' ' | sed 's/ $//'
}
held_is() { [ "$(held)" = "$1" ]; }

# messages the stream took for the replay (front ends' and hop forwards,
# JetStream duplicates not counted): docs/scale.md's figure
bus_msgs() { bus_state last_seq; }
bus_empty() { [ "$(bus_state messages)" = 0 ]; }
# bus_state FIELD: a field of the MAMORI stream's state (JetStream API)
bus_state() {
  python3 - "${MM_NATS_URLS%%,*}" "$1" <<'PY'
import json, socket, sys
host, port = sys.argv[1][len("nats://"):].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=5)
f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false}\r\nSUB _INBOX.mm 1\r\n'
          b'PUB $JS.API.STREAM.INFO.MAMORI _INBOX.mm 0\r\n\r\n')
while True:
    l = f.readline()
    if not l:
        sys.exit(1)
    if l.startswith(b"PING"):
        s.sendall(b"PONG\r\n")
    elif l.startswith(b"MSG"):
        n = int(l.split()[-1])
        print(json.loads(f.read(n + 2)[:n])["state"][sys.argv[2]])
        break
PY
}

# ---- 1. differential replay ------------------------------------------------
gen_replay
start_hub "$HS"
post_replay s "$HS/hub.port"
collect "$HS" s
kill "$HUBPID"; wait "$HUBPID"

start_corr c1
start_corr c2
check "two correlators share the 8 partitions (4 each)" until_ok 15 held_is "4 4"
start_hub "$TMP/f1"; F1=$HUBPID
start_hub "$TMP/f2"; F2=$HUBPID
# The replay's batches are two minutes apart in event time; a sensor sends
# them that far apart too. Each upload is let through the hop chain before
# the next (the work-queue stream is empty once every message and every
# hop forward it made is acknowledged): without that, under a loaded
# machine, the next upload's events can reach a key's partition before the
# previous upload's forward, the one order the cluster does not keep
# (docs/scale.md), and a campaign opens at another key.
unsettled=0
bus_settled() { until_ok 20 bus_empty || unsettled=$((unsettled + 1)); }
REPLAY_SETTLE=bus_settled post_replay p "$TMP/f1/hub.port" "$TMP/f2/hub.port"
check_eq "each upload is correlated before the next (bus empty within 20 s)" 0 "$unsettled"
nev=$(sqlite3 "$HS/hub.db" 'SELECT count(*) FROM events')
check "the correlators store every event of the replay ($nev)" until_ok 30 events_are "$nev"
check_eq "the replay went out on partition subjects" 8 \
  "$(pq "SELECT count(DISTINCT part % 64) FROM event_parts")"
check_ge "the hop chain forwarded events to their later keys' partitions" 1 \
  "$(pq "SELECT count(*) FROM event_parts WHERE part >= 64")"
check "the front end's feed cursor follows the store (reload, 5 s)" until_ok 8 cursor_caught_up
echo "# bus messages for the replay ($(wc -l <"$TMP/replay/order") uploads): $(bus_msgs)"
collect "$TMP/f2" p
check_eq "same HTTP answers to every upload" "$(cat "$TMP/codess")" "$(cat "$TMP/codesp")"
# Campaign ids and feed sequence numbers are in write order, and two
# correlators write in parallel: compared without them. Everything else is
# compared both ways: nothing of the SQLite hub missing, nothing extra.
cat >"$TMP/sub.py" <<'PY'
import json, sys
DROP = {"created", "modified", "opened", "first_seen", "last_seen", "valid_until",
        "valid_from", "confidence", "generated", "now", "escalated_at", "id",
        "campaign", "seq", "cursor", "next", "name", "description",
        "source_ref", "target_ref"}
KEEP = set(sys.argv[4:])
def n(v):
    if isinstance(v, dict):
        return {k: n(x) for k, x in v.items() if k not in DROP or k in KEEP}
    if isinstance(v, list):
        return sorted((n(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    return v
field, a, b = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
la = [json.dumps(x, sort_keys=True) for x in n(a.get(field, []))]
lb = [json.dumps(x, sort_keys=True) for x in n(b.get(field, []))]
missing = [x for x in la if x not in lb]
extra = [x for x in lb if x not in la]
print("missing=%d extra=%d" % (len(missing), len(extra)))
for x in missing[:3]:
    print("# missing: " + x[:300], file=sys.stderr)
for x in extra[:3]:
    print("# extra: " + x[:300], file=sys.stderr)
PY
sub() { python3 "$TMP/sub.py" "$1" "$TMP/$2s.json" "$TMP/$2p.json" "${@:3}"; }
L="SQLite vs 2 partitioned correlators"
check_ge "the replay opens campaigns" 3 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["campaigns"]))' "$TMP/campaignss.json")"
check_eq "$L: the same campaigns and hits, none missing, none extra" \
  "missing=0 extra=0" "$(sub campaigns campaigns first_seen last_seen)"
for t in a b c d x ci; do
  check_eq "$L: the same warnings in $t's inbox" "missing=0 extra=0" "$(sub warnings "inbox-$t")"
done
check_eq "$L: the same feed indicators" "missing=0 extra=0" "$(sub indicators feed)"
check_eq "$L: same feed.txt" "$(sort "$TMP/feeds.txt")" "$(sort "$TMP/feedp.txt")"
check_eq "$L: the same escalations (STIX)" "missing=0 extra=0" "$(sub objects esc)"
check_eq "$L: same events stored" "$nev" "$(pq 'SELECT count(*) FROM events')"

# ---- 2. SIGKILL of a correlator under load -----------------------------------
# shared addresses: every batch number opens campaigns (warnings) at k=2;
# each event also names one of 16 shared domains, in other partitions than
# its address mostly: the kill lands in the middle of hop chains too
python3 - "$TMP/load.py" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
a = '"source":{"ip":"45.%d.%d.%d"}}'
b = '"source":{"ip":"45.%d.%d.%d","domain":"d%d.example"}}'
assert a in s and "n % 250, i % 250)" in s
open(p, "w").write(s.replace(a, b).replace("n % 250, i % 250)", "n % 250, i % 250, i % 16)"))
PY
run_load n "$TMP/f1/hub.port,$TMP/f2/hub.port" 8 0.2 0
sleep 2
t0=$(date +%s%N)
kill -9 "${CORR[c1]}"; wait "${CORR[c1]}" 2>/dev/null
check "the other correlator takes all 8 partitions over" until_ok 10 held_is "8"
echo "# takeover: all 8 partitions owned by the survivor $((($(date +%s%N) - t0) / 1000000)) ms after the SIGKILL"
sleep 2
stop_load
check "every acknowledged batch is stored after the takeover" until_ok 40 all_acked_stored n
verify n "a correlator killed"
check_ge "the load opened campaigns" 50 "$(pq "SELECT count(*) FROM campaigns c WHERE EXISTS (SELECT 1 FROM campaign_hits h WHERE h.campaign=c.id AND h.tenant IN ('a','b','c','d')) AND key LIKE '45.62.%'")"
check_ge "the load's domains opened campaigns through the hop chain" 1 \
  "$(pq "SELECT count(*) FROM campaigns WHERE key_type='domain' AND key LIKE 'd%.example'")"
campaigns_warned_once
check_eq "every stored event correlated by each of its partitions once" 0 \
  "$(pq "SELECT count(*) FROM events e WHERE e.event_id LIKE 'n%' AND NOT EXISTS (SELECT 1 FROM event_parts p WHERE p.tenant=e.tenant AND p.event_id=e.event_id)")"
grep -q 'partitions owned: 0,1,2,3,4,5,6,7 (of 8, 8)' "$TMP/correlate-c2.log"
check_eq "the survivor logs the takeover (ja/en)" 0 $?
kill "$F1" "$F2" "${CORR[c2]}"
rc=""
for p in "$F1" "$F2" "${CORR[c2]}"; do wait "$p"; rc+="$? "; done
check_eq "front ends and correlator stop cleanly" "0 0 0 " "$rc"
[ "$rc" = "0 0 0 " ] || tail -n 20 "$TMP/serve.log" "$TMP"/correlate-*.log
