#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The sensor's Entra ID puller ([entra]) against a local replay of the token
# endpoint and Graph /auditLogs/signIns (tests/entra-graph-server.py): token
# by client credentials, a 429 with Retry-After obeyed, paging by
# @odata.nextLink, records appended to the output the sensor follows as
# input "entra" (type cloud), cursor persisted; a restart fetches only the
# new record (no duplicates).
. "$(dirname "$0")/lib.sh"
D=$SRCDIR/tests/data
python3 "$SRCDIR/tests/entra-graph-server.py" --port-file "$TMP/port" --log "$TMP/req.log" \
  "$D/entra-signins.ndjson" "$TMP/extra.ndjson" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
P=$(cat "$TMP/port")
printf 's3cret-value\n' >"$TMP/secret"; chmod 600 "$TMP/secret"
mkdir -p "$TMP/state"
cat >"$TMP/sensor.ini" <<INI
[sensor]
state_dir = $TMP/state
state_interval = 1
status_interval = 1
[entra]
token_url = http://127.0.0.1:$P/tenant-id/oauth2/v2.0/token
graph_url = http://127.0.0.1:$P/v1.0/auditLogs/signIns
client_id = test-app
client_secret_file = $TMP/secret
interval = 1
page_size = 5
start = 2024-05-14T00:00:00Z
INI
OUT=$TMP/state/entra-signins.ndjson
# wait until the output has N lines and the sensor has read them all
run_until() { # N
  "$MAMORI" sensor --config "$TMP/sensor.ini" >"$TMP/sensor.log" 2>&1 &
  local pid=$!
  for _ in $(seq 150); do
    if [ "$(cat "$OUT" 2>/dev/null | wc -l)" -ge "$1" ] &&
       python3 -c "import json,sys; s=json.load(open(sys.argv[1])); e=[x for x in s['sources'] if x['name']=='entra']; sys.exit(0 if e and e[0]['lines']>=$1 else 1)" "$TMP/state/status.json" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  sleep 2.5 # two more sweeps: nothing new may be appended
  kill -TERM $pid; wait $pid
}
run_until 17
check_eq "first run: 17 sign-ins pulled" 17 "$(wc -l <"$OUT")"
check_eq "first run: no duplicate ids" 17 "$(python3 -c "import json,sys; print(len({json.loads(l)['id'] for l in open(sys.argv[1])}))" "$OUT")"
grep -q "^POST /tenant-id/oauth2/v2.0/token 200" "$TMP/req.log" && ok "token by client credentials" || fail "token by client credentials" "$(cat "$TMP/req.log")"
grep -q " 429 bearer" "$TMP/req.log" && ok "a 429 was answered" || fail "a 429 was answered"
check_ge "paged by @odata.nextLink (skiptoken requests)" 3 "$(grep -c 'skiptoken' "$TMP/req.log")"
check_eq "every Graph request carries the bearer token" 0 "$(grep '^GET' "$TMP/req.log" | grep -vc ' bearer$')"
python3 - "$TMP/state/status.json" "$TMP/state/entra-cursor.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
e = [x for x in s["sources"] if x["name"] == "entra"][0]
print(("ok" if e["events"] == 16 and e["skipped"] == 1 and e["unparsed"] == 0 else "not ok")
      + " - the sensor parsed the pulled sign-ins as input 'entra' (%s)" % {k: e[k] for k in ("lines", "events", "skipped", "unparsed")})
c = json.load(open(sys.argv[2]))
print(("ok" if c["since"] == "2024-05-14T01:07:20Z" and c["ids"] else "not ok") + " - cursor at the newest sign-in (%s)" % c["since"])
PYEOF
# a new sign-in arrives; the restarted sensor pulls only it
python3 - "$D/entra-signins.ndjson" "$TMP/extra.ndjson" <<'PYEOF'
import json, sys
o = json.loads(open(sys.argv[1]).readline())
o.update(id="new-0001", createdDateTime="2024-05-14T02:00:00Z", userPrincipalName="late@example.co.jp")
open(sys.argv[2], "w").write(json.dumps(o) + "\n")
PYEOF
run_until 18
check_eq "restart: only the new sign-in is added" 18 "$(wc -l <"$OUT")"
check_eq "restart: no duplicate ids" 18 "$(python3 -c "import json,sys; print(len({json.loads(l)['id'] for l in open(sys.argv[1])}))" "$OUT")"
grep -q "late@example.co.jp" "$OUT" && ok "restart: the new sign-in is there" || fail "restart: the new sign-in is there"

# a nextLink to another origin is not followed (the token stays home): the
# sweep fails, nothing is written, the cursor stays where it was
kill $SRV 2>/dev/null; wait $SRV 2>/dev/null
rm -f "$TMP/port"
python3 "$SRCDIR/tests/entra-graph-server.py" --evil-next --port-file "$TMP/port" --log "$TMP/req2.log" \
  "$D/entra-signins.ndjson" &
SRV=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
P2=$(cat "$TMP/port")
mkdir -p "$TMP/state2"
sed -e "s|$TMP/state|$TMP/state2|" -e "s|127.0.0.1:$P/|127.0.0.1:$P2/|g" "$TMP/sensor.ini" >"$TMP/sensor2.ini"
"$MAMORI" sensor --config "$TMP/sensor2.ini" >"$TMP/sensor2.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "nextLink leaves" "$TMP/sensor2.log" && break; sleep 0.2; done
kill -TERM $pid; wait $pid
grep -q "nextLink leaves" "$TMP/sensor2.log" && ok "a nextLink to another origin is refused" || fail "a nextLink to another origin is refused" "$(tail -3 "$TMP/sensor2.log")"
[ ! -e "$TMP/state2/entra-signins.ndjson" ] && [ ! -e "$TMP/state2/entra-cursor.json" ] \
  && ok "the failed sweep wrote neither records nor cursor" || fail "the failed sweep wrote neither records nor cursor"
