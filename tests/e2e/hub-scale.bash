# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-scale.bash — what the scale-out tests share (hub-pg.sh,
# hub-nats.sh); sourced after lib.sh. Not a test itself (scripts/test runs
# *.sh only). Starts a local cluster with scripts/cluster, sets up hubs the
# same way, generates one replay, compares normalised API output and runs
# retrying uploaders.
PIDS=()
CL=$TMP/cluster
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  "$SRCDIR/scripts/cluster" down --dir "$CL" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] && echo "KEPT $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT

# cluster_up [--no-nats]: PostgreSQL (and NATS) for this test, or one TAP
# skip line and exit when PostgreSQL's binaries are missing.
cluster_up() {
  if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ]; then
    echo "ok - # skip PostgreSQL binaries missing (scripts/deps installs them)"
    exit 0
  fi
  "$SRCDIR/scripts/cluster" up --dir "$CL" --fast "$@" >"$TMP/cluster.out" 2>&1
  check "scripts/cluster up starts PostgreSQL" test -s "$CL/cluster.env"
  . "$CL/cluster.env"
  PSQL="$MM_PG_BIN/psql -X -q -t -A $MM_PG_URI"
}
pq() { $PSQL -c "$1"; }

start_hub() { # start_hub DIR [serve args…]; sets URL and HUBPID
  local d=$1; shift
  rm -f "$d/hub.port"
  "$MAMORI" hub serve --dir "$d" --plain "$@" 2>>"$TMP/serve.log" &
  HUBPID=$!; PIDS+=("$HUBPID")
  for _ in $(seq 100); do [ -s "$d/hub.port" ] && break; sleep 0.1; done
  URL="http://127.0.0.1:$(cat "$d/hub.port" 2>/dev/null)"
}

# The same hub each time: tenants, graph, limits; STORE when given.
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

# gen_replay: $TMP/replay/ — 60 batches from four SMEs: shared attackers
# (addresses, a /24, a domain, a user-name list) and noise, fixed ids and
# event times, resent events and resent batches; "order" lists them.
gen_replay() {
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
}

# post_replay SUFFIX PORTFILE…: every batch of the replay in order, turn
# about over the front ends; the HTTP codes counted into $TMP/codesSUFFIX.
# $REPLAY_SETTLE, when set, is run after each upload (a cluster waits there
# until the upload is correlated, as the replay's batches are two minutes
# apart in event time).
post_replay() {
  local sfx=$1; shift
  local ports=("$@") i=0 t f codes=""
  while read -r t f; do
    local u="http://127.0.0.1:$(cat "${ports[$((i % ${#ports[@]}))]}")"
    i=$((i + 1))
    local c tries=0
    # a sensor resends after a 5xx (the store or the bus was away)
    while :; do
      c=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[$t$sfx]}" \
        -H 'Content-Type: application/x-ndjson' --data-binary @"$TMP/replay/$f" "$u/api/v1/events")
      [ "${c:0:1}" = 5 ] && [ $((tries += 1)) -lt 20 ] || break
      echo "$c" >>"$TMP/retries$sfx"; sleep 0.2
    done
    codes+="$c "
    [ -z "${REPLAY_SETTLE:-}" ] || $REPLAY_SETTLE
  done <"$TMP/replay/order"
  echo "$codes" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c >"$TMP/codes$sfx"
}

# collect DIR SUFFIX: what the API at $URL shows (every tenant's inbox, the
# feed) and the CLI's campaigns and escalations of hub DIR.
collect() {
  local t
  for t in a b c d x ci; do
    curl -s -H "Authorization: Bearer ${TOK[$t$2]}" "$URL/api/v1/inbox" >"$TMP/inbox-$t$2.json"
  done
  curl -s -H "Authorization: Bearer ${TOK[x$2]}" "$URL/api/v1/feed" >"$TMP/feed$2.json"
  curl -s -H "Authorization: Bearer ${TOK[x$2]}" "$URL/api/v1/feed?since=0" >"$TMP/feed-all$2.json"
  curl -s -H "Authorization: Bearer ${TOK[x$2]}" "$URL/api/v1/feed.txt" | grep -v '^#' >"$TMP/feed$2.txt"
  "$MAMORI" hub campaigns --dir "$1" --json >"$TMP/campaigns$2.json"
  "$MAMORI" hub escalations --dir "$1" --stix >"$TMP/esc$2.json"
}

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
same() { # same NAME FILE-STEM [KEY-KEPT...]: $TMP/STEMs.json vs STEMp.json
  local a b n=$1 f=$2; shift 2
  a=$(python3 "$TMP/norm.py" "$TMP/${f}s.json" "$@" 2>&1); b=$(python3 "$TMP/norm.py" "$TMP/${f}p.json" "$@" 2>&1)
  if [ "$a" = "$b" ] && [ -n "$a" ]; then ok "$n"; else fail "$n" "sqlite: ${a:0:300} | postgresql: ${b:0:300}"; fi
}

# compare_all LABEL: every collected output of the SQLite hub (suffix s)
# against the other one (suffix p).
compare_all() {
  local ncamp t
  ncamp=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["campaigns"]))' "$TMP/campaignss.json")
  check_ge "the replay opens campaigns" 3 "$ncamp"
  check_ge "the buyer is warned" 1 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["warnings"]))' "$TMP/inbox-xs.json")"
  # campaigns and hits keep first_seen/last_seen: event times, not the hub's
  same "$1: same campaigns ($ncamp) and hits" campaigns first_seen last_seen
  for t in a b c d x ci; do same "$1: same warnings in $t's inbox" "inbox-$t"; done
  same "$1: same feed" feed
  same "$1: same feed changes since 0 (cursor and order)" feed-all
  check_eq "$1: same feed.txt" "$(sort "$TMP/feeds.txt")" "$(sort "$TMP/feedp.txt")"
  same "$1: same escalations (STIX)" esc
  check_eq "$1: same events stored" "$(sqlite3 "$TMP/hs/hub.db" 'SELECT count(*) FROM events')" "$(pq 'SELECT count(*) FROM events')"
}

# load.py PORTFILES TOKEN PREFIX ACKED STOP [MOST [PAUSE [SPREAD]]]
# (PORTFILES comma-separated: the next one is tried after a failure; at
# most MOST batches, PAUSE seconds apart; SPREAD 1: addresses of its own): batches of 100 events with ids
# PREFIX<n>-<i>; retries a batch (any error, the hub gone, a new port) until
# acknowledged, then writes PREFIX<n> to ACKED; "retry CODE" for each HTTP
# error; ends when the file STOP exists.
cat >"$TMP/load.py" <<'PY'
import os, sys, time, urllib.error, urllib.request
portfs, tok, prefix, acked, stop = sys.argv[1:6]
most = int(sys.argv[6]) if len(sys.argv) > 6 else 1 << 30
pause = float(sys.argv[7]) if len(sys.argv) > 7 else 0
# SPREAD: each uploader its own addresses (no campaigns), else all share them
net = 60 + sum(prefix.encode()) % 150 if len(sys.argv) > 8 and sys.argv[8] == "1" else 62
portfs = portfs.split(",")
ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
n = 0
k = 0
with open(acked, "a") as out:
    while not os.path.exists(stop) and n < most:
        time.sleep(pause)
        body = "".join('{"@timestamp":"%s","event":{"id":"%s%d-%d","kind":"event"},"source":{"ip":"45.%d.%d.%d"}}\n'
                       % (ts, prefix, n, i, net, n % 250, i % 250) for i in range(100)).encode()
        while not os.path.exists(stop):
            try:
                port = open(portfs[k % len(portfs)]).read().strip()
                req = urllib.request.Request("http://127.0.0.1:%s/api/v1/events" % port, body,
                                             {"Authorization": "Bearer " + tok})
                if urllib.request.urlopen(req, timeout=10).status == 200:
                    out.write("%s%d\n" % (prefix, n)); out.flush()
                    break
            except urllib.error.HTTPError as e:
                out.write("retry %d\n" % e.code); out.flush()
                k += 1
            except Exception:
                k += 1
            time.sleep(0.05)
        n += 1
PY
# run_load PREFIX PORTFILES [MOST PAUSE SPREAD]: six uploaders (four
# tenants), in the background
run_load() {
  rm -f "$TMP/stop"; LOAD=()
  : >>"$TMP/acked-$1"
  local w t
  for w in 0 1 2 3 4 5; do
    t=${TOK[$(echo abcd | cut -c$((w % 4 + 1)))p]}
    python3 "$TMP/load.py" "$2" "$t" "$1w${w}x" "$TMP/acked-$1" "$TMP/stop" "${@:3}" &
    LOAD+=($!); PIDS+=($!)
  done
}
stop_load() { touch "$TMP/stop"; wait "${LOAD[@]}" 2>/dev/null; }
# acked_stored PREFIX: "missing-or-twice=N partial=M" over the batches an
# uploader saw acknowledged
acked_stored() {
  pq "SELECT split_part(event_id,'-',1), count(*) FROM events WHERE event_id LIKE '$1%' GROUP BY 1" >"$TMP/stored-$1"
  python3 - "$TMP/acked-$1" "$TMP/stored-$1" <<'PY'
import sys
acked = [l.strip() for l in open(sys.argv[1]) if not l.startswith("retry")]
stored = dict(l.strip().split("|") for l in open(sys.argv[2]) if l.strip())
bad = [a for a in acked if stored.get(a) != "100"]
part = [k for k, v in stored.items() if v != "100"]
print("missing-or-twice=%d partial=%d" % (len(bad), len(part)))
PY
}
# verify PREFIX NAME: every acknowledged batch stored exactly once and whole
verify() {
  check_ge "$2: uploads acknowledged" 6 "$(grep -c "^$1" "$TMP/acked-$1")"
  check_eq "$2: every acknowledged batch stored exactly once, none partly" \
    "missing-or-twice=0 partial=0" "$(acked_stored "$1")"
  check_eq "$2: no event stored twice" 0 "$(pq "SELECT count(*) FROM (SELECT tenant,event_id FROM events WHERE event_id LIKE '$1%' GROUP BY 1,2 HAVING count(*)>1) d")"
}

# need_nats: one TAP skip line and exit when nats-server is missing.
need_nats() {
  if ! command -v nats-server >/dev/null; then
    echo "ok - # skip nats-server missing (scripts/deps installs it)"
    exit 0
  fi
}
# until_ok SECONDS CMD…: CMD passes within SECONDS (tried every 0.2 s).
until_ok() {
  local t=$1; shift
  for _ in $(seq $((t * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
events_are() { [ "$(pq 'SELECT count(*) FROM events')" = "$1" ]; }
cursor_caught_up() { # the front end's feed cursor is the store's
  [ "$(curl -s -H "Authorization: Bearer ${TOK[xp]}" "$URL/api/v1/feed?since=0" |
       python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')" = \
    "$(pq 'SELECT coalesce(max(seq),0) FROM indicators')" ]
}
all_acked_stored() { [ "$(acked_stored "$1")" = "missing-or-twice=0 partial=0" ]; }

# The three exactly-once checks of campaigns and warnings after a kill or a
# restart: no campaign twice for a key, no (campaign, tenant) warned twice,
# none without its warning. LABEL prefixes the check names.
campaigns_warned_once() { # campaigns_warned_once [LABEL]
  local l=${1:-}
  check_eq "${l}no campaign opened twice for a key" 0 \
    "$(pq "SELECT count(*) FROM (SELECT key_type,key FROM campaigns GROUP BY 1,2 HAVING count(*)>1) d")"
  check_eq "${l}no tenant warned twice of its campaign" 0 \
    "$(pq "SELECT count(*) FROM (SELECT campaign,tenant FROM warnings WHERE kind='hit' GROUP BY 1,2 HAVING count(*)>1) d")"
  check_eq "${l}no campaign tenant without its warning" 0 \
    "$(pq "SELECT count(*) FROM campaign_hits h WHERE NOT EXISTS (SELECT 1 FROM warnings w WHERE w.kind='hit' AND w.campaign=h.campaign AND w.tenant=h.tenant)")"
}
