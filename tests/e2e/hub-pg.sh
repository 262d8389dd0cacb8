#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-pg.sh — the hub on PostgreSQL (store-pg.c), against a real
# PostgreSQL started here by scripts/cluster:
#  1. differential: the same replay through a SQLite hub and a PostgreSQL
#     hub gives the same campaigns, warnings (every inbox), feed and
#     escalations (normalised JSON: hub-clock times and decayed confidence
#     left out);
#  2. kill -9 of the hub during a replay by six concurrent uploaders that
#     retry until acknowledged: every acknowledged batch is stored exactly
#     once and whole;
#  3. PostgreSQL restarted mid-replay: the hub answers 500 meanwhile, the
#     uploaders retry, nothing acknowledged is lost or stored twice.
# Skips (one TAP skip line) only when PostgreSQL's binaries are missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
CL=$TMP/cluster
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  "$SRCDIR/scripts/cluster" down --dir "$CL" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ]; then
  echo "ok - # skip PostgreSQL binaries missing (scripts/deps installs them)"
  exit 0
fi
"$SRCDIR/scripts/cluster" up --dir "$CL" --no-nats --fast >"$TMP/cluster.out" 2>&1
check "scripts/cluster up starts PostgreSQL" test -s "$CL/cluster.env"
. "$CL/cluster.env"
PSQL="$MM_PG_BIN/psql -X -q -t -A $MM_PG_URI"
pq() { $PSQL -c "$1"; }

HS=$TMP/hs HP=$TMP/hp
start_hub() { # start_hub DIR; sets URL and HUBPID
  rm -f "$1/hub.port"
  "$MAMORI" hub serve --dir "$1" --plain 2>>"$TMP/serve.log" &
  HUBPID=$!; PIDS+=("$HUBPID")
  for _ in $(seq 100); do [ -s "$1/hub.port" ] && break; sleep 0.1; done
  URL="http://127.0.0.1:$(cat "$1/hub.port" 2>/dev/null)"
}

# The same hub twice: tenants, graph, limits; the second on PostgreSQL.
declare -A TOK
setup_hub() { # setup_hub DIR SUFFIX [STORE]
  "$MAMORI" hub init --dir "$1" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
  printf 'rate = 100000\nburst = 100000\n' >>"$1/hub.conf"
  [ -n "${3:-}" ] && echo "store = $3" >>"$1/hub.conf"
  for t in a:sme b:sme c:sme d:sme x:buyer ci:critical; do
    TOK[${t%%:*}$2]=$("$MAMORI" hub tenant add --dir "$1" --id "${t%%:*}" \
      --name "Tenant ${t%%:*}" --kind "${t#*:}" 2>/dev/null)
  done
  printf 'supplier,customer,disclose\na,x,1\nb,x,0\nc,x,yes\nd,ci,1\nx,ci,1\n' >"$TMP/g.csv"
  "$MAMORI" hub graph import --dir "$1" "$TMP/g.csv" >/dev/null
}
setup_hub "$HS" s
setup_hub "$HP" p "$MM_PG_URI"
check_eq "PostgreSQL hub: tenants in PostgreSQL" 6 "$(pq 'SELECT count(*) FROM tenants')"
check_eq "PostgreSQL hub: graph in PostgreSQL" 5 "$(pq 'SELECT count(*) FROM links')"
check "hub migrate on the same database: up to date" \
  bash -c "'$MAMORI' hub migrate --store '$MM_PG_URI' | grep -q 'up to date'"

# ---- 1. differential replay ------------------------------------------------
# 60 batches from four SMEs: shared attackers (addresses, a /24, a domain,
# a user-name list) and noise, fixed ids and event times, in one order.
python3 - "$TMP/replay" <<'PY'
import json, os, random, sys, time
out = sys.argv[1]; os.makedirs(out)
rnd = random.Random(11)
t0 = int(time.time()) - 3 * 3600
shared = ["45.33.32.%d" % i for i in range(1, 9)] + ["2001:db8:77::%x" % i for i in range(1, 4)]
net = ["198.51.100.%d" % i for i in range(10, 40)]
with open(os.path.join(out, "order"), "w") as order:
    for b in range(60):
        tenant = "abcd"[b % 4]
        lines = []
        for i in range(rnd.randint(1, 12)):
            t = t0 + b * 120 + i
            ev = {"@timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
                  "event": {"id": "%s-%d-%d" % (tenant, b, i), "kind": "alert",
                            "severity": rnd.choice(["low", "medium", "high", "critical"])},
                  "rule": {"id": rnd.choice(["ssh.bruteforce", "web.scan", "vpn.spray"])}}
            r = rnd.random()
            if r < 0.45:
                ev["source"] = {"ip": rnd.choice(shared)}
            elif r < 0.6:
                ev["source"] = {"ip": rnd.choice(net)}
            elif r < 0.7:
                ev["source"] = {"ip": "203.0.113.%d" % rnd.randint(1, 250), "domain": "bad-%d.example" % rnd.randint(1, 3)}
                ev["url"] = {"path": "/wp-login.php"}
            elif r < 0.8:
                ev["source"] = {"ip": "192.0.2.%d" % rnd.randint(1, 250)}
                ev["user"] = {"name": ["admin", "root", "oracle"]}
            else:
                ev["source"] = {"ip": "100.%d.%d.%d" % (rnd.randint(64, 127), rnd.randint(0, 255), rnd.randint(1, 254))}
            lines.append(json.dumps(ev, separators=(",", ":")))
            if rnd.random() < 0.1:
                lines.append(lines[-1])  # a resend inside the batch
        name = "b%02d" % b
        with open(os.path.join(out, name), "w") as f:
            f.write("\n".join(lines) + "\n")
        order.write("%s %s\n" % (tenant, name))
        if rnd.random() < 0.15:
            order.write("%s %s\n" % (tenant, name))  # a whole batch resent
PY

replay() { # replay DIR SUFFIX: every batch of the replay, in order
  start_hub "$1"
  local t f codes=""
  while read -r t f; do
    codes+="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[$t$2]}" \
      -H 'Content-Type: application/x-ndjson' --data-binary @"$TMP/replay/$f" "$URL/api/v1/events") "
  done <"$TMP/replay/order"
  echo "$codes" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c >"$TMP/codes$2"
  # what the API shows: every tenant's inbox, the feed, campaigns, escalations
  for t in a b c d x ci; do
    curl -s -H "Authorization: Bearer ${TOK[$t$2]}" "$URL/api/v1/inbox" >"$TMP/inbox-$t$2.json"
  done
  curl -s -H "Authorization: Bearer ${TOK[x$2]}" "$URL/api/v1/feed" >"$TMP/feed$2.json"
  curl -s -H "Authorization: Bearer ${TOK[x$2]}" "$URL/api/v1/feed?since=0" >"$TMP/feed-all$2.json"
  curl -s -H "Authorization: Bearer ${TOK[x$2]}" "$URL/api/v1/feed.txt" | grep -v '^#' >"$TMP/feed$2.txt"
  kill "$HUBPID"; wait "$HUBPID"
  echo $? >"$TMP/exit$2"
  "$MAMORI" hub campaigns --dir "$1" --json >"$TMP/campaigns$2.json"
  "$MAMORI" hub escalations --dir "$1" --stix >"$TMP/esc$2.json"
}
replay "$HS" s
replay "$HP" p
check_eq "both hubs stop cleanly after the replay" "0 0" "$(cat "$TMP/exits") $(cat "$TMP/exitp")"
check_eq "same HTTP answers to every upload" "$(cat "$TMP/codess")" "$(cat "$TMP/codesp")"

# norm FILE [KEY...]: the JSON with hub-clock times (but KEYs), decayed confidence and STIX
# object ids/times (hub clock) left out, keys sorted.
cat >"$TMP/norm.py" <<'PY'
import json, sys
DROP = {"created", "modified", "opened", "first_seen", "last_seen", "valid_until",
        "valid_from", "confidence", "generated", "now", "escalated_at"}
def n(v):
    if isinstance(v, dict):
        return {k: n(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [n(x) for x in v]
    return v
DROP -= set(sys.argv[2:])  # event-time fields the caller keeps
d = n(json.load(open(sys.argv[1])))
if isinstance(d, dict) and d.get("type") == "bundle":
    d.pop("id", None)
    for o in d.get("objects", []):
        if o.get("type") == "identity":
            o.pop("id", None)
        o.pop("created_by_ref", None)
print(json.dumps(d, sort_keys=True, ensure_ascii=False))
PY
same() { # same NAME FILE-STEM [KEY-KEPT...]
  local a b n=$1 f=$2; shift 2
  a=$(python3 "$TMP/norm.py" "$TMP/${f}s.json" "$@" 2>&1); b=$(python3 "$TMP/norm.py" "$TMP/${f}p.json" "$@" 2>&1)
  if [ "$a" = "$b" ] && [ -n "$a" ]; then ok "$n"; else fail "$n" "sqlite: ${a:0:300} | postgresql: ${b:0:300}"; fi
}
ncamp=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["campaigns"]))' "$TMP/campaignss.json")
check_ge "the replay opens campaigns" 3 "$ncamp"
check_ge "the buyer is warned" 1 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["warnings"]))' "$TMP/inbox-xs.json")"
# campaigns and hits keep first_seen/last_seen: event times, not the hub's
same "same campaigns ($ncamp) and hits" campaigns first_seen last_seen
for t in a b c d x ci; do same "same warnings in $t's inbox" "inbox-$t"; done
same "same feed" feed
same "same feed changes since 0 (cursor and order)" feed-all
check_eq "same feed.txt" "$(sort "$TMP/feeds.txt")" "$(sort "$TMP/feedp.txt")"
same "same escalations (STIX)" esc
check_eq "same events stored" "$(sqlite3 "$HS/hub.db" 'SELECT count(*) FROM events')" "$(pq 'SELECT count(*) FROM events')"
check_ge "events are in a monthly partition" 1 "$(pq "SELECT count(*) FROM pg_inherits WHERE inhparent='events'::regclass AND inhrelid::regclass::text LIKE 'events_y%'")"

# ---- 2 and 3: faults under six concurrent uploaders -------------------------
# load.py PORTFILE TOKEN PREFIX ACKED STOP: batches of 100 events with ids
# PREFIX<n>-<i>; retries a batch (any error, the hub gone, a new port) until
# acknowledged, then writes PREFIX<n> to ACKED; "retry CODE" for each HTTP
# error; ends when the file STOP exists.
cat >"$TMP/load.py" <<'PY'
import os, sys, time, urllib.error, urllib.request
portf, tok, prefix, acked, stop = sys.argv[1:6]
ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
n = 0
with open(acked, "a") as out:
    while not os.path.exists(stop):
        body = "".join('{"@timestamp":"%s","event":{"id":"%s%d-%d","kind":"event"},"source":{"ip":"45.62.%d.%d"}}\n'
                       % (ts, prefix, n, i, n % 250, i % 250) for i in range(100)).encode()
        while not os.path.exists(stop):
            try:
                port = open(portf).read().strip()
                req = urllib.request.Request("http://127.0.0.1:%s/api/v1/events" % port, body,
                                             {"Authorization": "Bearer " + tok})
                if urllib.request.urlopen(req, timeout=10).status == 200:
                    out.write("%s%d\n" % (prefix, n)); out.flush()
                    break
            except urllib.error.HTTPError as e:
                out.write("retry %d\n" % e.code); out.flush()
            except Exception:
                pass
            time.sleep(0.05)
        n += 1
PY
# run_load PREFIX: six uploaders (four tenants), started in the background
run_load() {
  rm -f "$TMP/stop"; LOAD=()
  local w t
  for w in 0 1 2 3 4 5; do
    t=${TOK[$(echo abcd | cut -c$((w % 4 + 1)))p]}
    python3 "$TMP/load.py" "$HP/hub.port" "$t" "$1w${w}x" "$TMP/acked-$1" "$TMP/stop" &
    LOAD+=($!); PIDS+=($!)
  done
}
stop_load() { touch "$TMP/stop"; wait "${LOAD[@]}" 2>/dev/null; }
# verify PREFIX NAME: every acknowledged batch stored exactly once and whole
verify() {
  local acked stored
  acked=$(grep -c "^$1" "$TMP/acked-$1")
  check_ge "$2: uploads acknowledged" 6 "$acked"
  pq "SELECT split_part(event_id,'-',1), count(*) FROM events WHERE event_id LIKE '$1%' GROUP BY 1" >"$TMP/stored-$1"
  stored=$(python3 - "$TMP/acked-$1" "$TMP/stored-$1" <<'PY'
import sys
acked = [l.strip() for l in open(sys.argv[1]) if not l.startswith("retry")]
stored = dict(l.strip().split("|") for l in open(sys.argv[2]) if l.strip())
bad = [a for a in acked if stored.get(a) != "100"]
part = [k for k, v in stored.items() if v != "100"]
print("missing-or-twice=%d partial=%d" % (len(bad), len(part)))
PY
)
  check_eq "$2: every acknowledged batch stored exactly once, none partly" "missing-or-twice=0 partial=0" "$stored"
  check_eq "$2: no event stored twice" 0 "$(pq "SELECT count(*) FROM (SELECT tenant,event_id FROM events WHERE event_id LIKE '$1%' GROUP BY 1,2 HAVING count(*)>1) d")"
}

start_hub "$HP"
run_load k
sleep 2
kill -9 "$HUBPID"; wait "$HUBPID" 2>/dev/null
before=$(grep -c '^k' "$TMP/acked-k")
sleep 0.5
start_hub "$HP"
sleep 2
stop_load
check_ge "kill -9: uploads continued after the restart" $((before + 1)) "$(grep -c '^k' "$TMP/acked-k")"
verify k "kill -9 of the hub"

run_load r
sleep 1.5
"$SRCDIR/scripts/cluster" pg-restart --dir "$CL" >/dev/null 2>&1
mid=$(grep -c '^r' "$TMP/acked-r")
sleep 2.5
stop_load
check_ge "PostgreSQL restart: the hub answered 500 meanwhile" 1 "$(grep -c 'retry 500' "$TMP/acked-r")"
check_ge "PostgreSQL restart: uploads continued after it" $((mid + 1)) "$(grep -c '^r' "$TMP/acked-r")"
verify r "PostgreSQL restart"
check "hub still healthy" bash -c "curl -sf '$URL/api/v1/health' >/dev/null"

# PostgreSQL down for several requests: the engine cannot rebuild its
# memory meanwhile, and must do it before the next batch once it is back
# (else a sighting of an old campaign's attacker would not join it).
key=$(pq "SELECT key FROM campaigns WHERE key_type='ip' AND key LIKE '45.33.32.%' AND tenants=(SELECT max(tenants) FROM campaigns WHERE key LIKE '45.33.32.%') ORDER BY id LIMIT 1")
before=$(pq "SELECT tenants FROM campaigns WHERE key='$key'")
hits_x=$(pq "SELECT count(*) FROM campaign_hits h JOIN campaigns c ON c.id=h.campaign WHERE c.key='$key' AND h.tenant='x'")
printf '{"@timestamp":"%s","event":{"id":"late-x","kind":"alert","severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"%s"}}\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$key" >"$TMP/late"
"$SRCDIR/scripts/cluster" pg-stop --dir "$CL" >/dev/null 2>&1
codes=""
for _ in 1 2 3; do
  codes+="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[xp]}" --data-binary @"$TMP/late" "$URL/api/v1/events") "
done
check_eq "PostgreSQL down: every upload answered 500" "500 500 500 " "$codes"
"$SRCDIR/scripts/cluster" pg-start --dir "$CL" >/dev/null 2>&1
check_eq "PostgreSQL back: the upload is acknowledged" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[xp]}" --data-binary @"$TMP/late" "$URL/api/v1/events")"
check_eq "… and joins the campaign of $key (memory rebuilt)" "$((before + 1)) 0" \
  "$(pq "SELECT tenants FROM campaigns WHERE key='$key'") $hits_x"
kill "$HUBPID"; wait "$HUBPID"; rc=$?
check_eq "the PostgreSQL hub stops cleanly (no sanitizer report)" 0 "$rc"
[ "$rc" = 0 ] || tail -30 "$TMP/serve.log"
