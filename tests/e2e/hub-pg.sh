#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-pg.sh — the hub on PostgreSQL (store-pg.c), against a real
# PostgreSQL started here by scripts/cluster:
#  1. differential: the same replay through a SQLite hub and a PostgreSQL
#     hub gives the same campaigns, warnings (every inbox), feed and
#     escalations (normalised JSON: hub-clock times and decayed confidence
#     left out); then tokens, preferences, the outbox and, through a console
#     session and the SME's token, its SCS evidence, the summary's blocked
#     and sensors figures, the self-assessment and a request to an expert;
#  2. kill -9 of the hub during a replay by six concurrent uploaders that
#     retry until acknowledged: every acknowledged batch is stored exactly
#     once and whole;
#  3. PostgreSQL restarted mid-replay: the hub answers 500 meanwhile, the
#     uploaders retry, nothing acknowledged is lost or stored twice.
# Skips (one TAP skip line) only when PostgreSQL's binaries are missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hub-scale.bash"

cluster_up --no-nats
HS=$TMP/hs HP=$TMP/hp
setup_hub "$HS" s
setup_hub "$HP" p "$MM_PG_URI"
check_eq "PostgreSQL hub: tenants in PostgreSQL" 6 "$(pq 'SELECT count(*) FROM tenants')"
check_eq "PostgreSQL hub: graph in PostgreSQL" 5 "$(pq 'SELECT count(*) FROM links')"
check "hub migrate on the same database: up to date" \
  bash -c "'$MAMORI' hub migrate --store '$MM_PG_URI' | grep -q 'up to date'"

# the buyer x wants its warnings by mail: the replay fills both outboxes
for d in "$HS" "$HP"; do
  "$MAMORI" hub notify add --dir "$d" --tenant x --email x@example.jp >/dev/null 2>&1
done

# ---- 1. differential replay ------------------------------------------------
gen_replay
replay() { # replay DIR SUFFIX: the replay through one hub, then its output
  start_hub "$1"
  post_replay "$2" "$1/hub.port"
  collect "$1" "$2"
  kill "$HUBPID"; wait "$HUBPID"
  echo $? >"$TMP/exit$2"
}
replay "$HS" s
replay "$HP" p
check_eq "both hubs stop cleanly after the replay" "0 0" "$(cat "$TMP/exits") $(cat "$TMP/exitp")"
check_eq "same HTTP answers to every upload" "$(cat "$TMP/codess")" "$(cat "$TMP/codesp")"
compare_all "SQLite vs PostgreSQL"
check_ge "events are in a monthly partition" 1 "$(pq "SELECT count(*) FROM pg_inherits WHERE inhparent='events'::regclass AND inhrelid::regclass::text LIKE 'events_y%'")"

# tokens, notification preferences and the outbox: the same on both stores
# (normalised: token ids and hub-clock times left out)
cat >"$TMP/normtok.py" <<'PY'
import json, re, sys
d = json.loads(sys.stdin.read() or "{}")
for t in d.get("tokens", []):
    t.pop("id", None); t.pop("last_used", None)
    for k in ("created", "revoked"):
        t[k] = t.get(k) is not None
print(json.dumps(d, sort_keys=True, ensure_ascii=False))
PY
for sfx in s p; do
  d=$HS; [ "$sfx" = p ] && d=$HP
  "$MAMORI" hub token add --dir "$d" --tenant a --scope read,admin --expires 2099-12-31 >"$TMP/tadd$sfx" 2>&1
  id=$(grep -o 'tk_[0-9a-f]*' "$TMP/tadd$sfx" | head -1)
  "$MAMORI" hub token list --dir "$d" --tenant a --json | python3 "$TMP/normtok.py" >"$TMP/tok1$sfx"
  "$MAMORI" hub token revoke --dir "$d" --id "$id" >/dev/null 2>&1
  "$MAMORI" hub token list --dir "$d" --json | python3 "$TMP/normtok.py" >"$TMP/tok2$sfx"
  "$MAMORI" hub notify list --dir "$d" --json >"$TMP/pref$sfx"
  for u in yamada sato; do
    echo 'correct horse battery staple' | "$MAMORI" hub user add --dir "$d" --tenant a --role sme --name "$u" --password-stdin >/dev/null 2>&1
  done
  "$MAMORI" hub user del --dir "$d" --name sato >/dev/null 2>&1
  "$MAMORI" hub user list --dir "$d" --json | sed -E 's/"created":[^,}]*//g' >"$TMP/users$sfx"
  # attempts, retry time and last error follow the sender's clock: left out
  "$MAMORI" hub notify outbox --dir "$d" | cut -f1-6 >"$TMP/outbox$sfx"
done
check_eq "SQLite vs PostgreSQL: same tokens after add (scopes, expiry)" "$(cat "$TMP/tok1s")" "$(cat "$TMP/tok1p")"
check_eq "SQLite vs PostgreSQL: same tokens after revoke" "$(cat "$TMP/tok2s")" "$(cat "$TMP/tok2p")"
check "… the revoke is stored in PostgreSQL" grep -q '"revoked": true' "$TMP/tok2p"
check_eq "SQLite vs PostgreSQL: same notification preferences" "$(cat "$TMP/prefs")" "$(cat "$TMP/prefp")"
check_eq "SQLite vs PostgreSQL: same console users after add and delete" "$(cat "$TMP/userss")" "$(cat "$TMP/usersp")"
check_eq "console users are in PostgreSQL" 1 "$(pq "SELECT count(*) FROM users WHERE name='yamada'")"
# the console on each store: the SME user yamada (tenant a) logs in and
# lists its alerts (normalised: the hub-clock receive time left out; ids are
# in arrival order on both stores)
cat >"$TMP/normalerts.py" <<'PY'
import json, sys
d = json.loads(sys.stdin.read() or "{}")
for a in d.get("alerts", []):
    a.pop("received", None)
print(json.dumps(d, sort_keys=True, ensure_ascii=False))
PY
# The SME a's sensor reports (mamori.block counters, mamori.status health),
# at the same fixed times on both stores: behind the summary's figures
TR=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
printf '%s\n' \
  '{"@timestamp":"'"$TR"'","event":{"id":"blk-1","kind":"event","dataset":"mamori.block"},"mamori":{"block":{"entries":[{"net":"45.33.32.0/24","packets":12,"bytes":720}]}}}' \
  '{"@timestamp":"'"$TR"'","event":{"id":"sts-1","kind":"event","dataset":"mamori.status"},"mamori":{"status":{"interval":300,"lines_per_s":2.5,"unparsed_share":0.01}}}' \
  >"$TMP/reports"
"$MAMORI" scs keygen --out "$TMP/e1.key" >/dev/null 2>&1
# normalised: the hub-clock times (generated, saved, created, updated) and
# request ids left out
cat >"$TMP/normscs.py" <<'PY'
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items()
                if k not in ("generated_at", "saved_at", "created", "updated", "sent_at", "updated_at", "id", "last_seen")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
print(json.dumps(strip(json.loads(sys.stdin.read() or "{}")), sort_keys=True, ensure_ascii=False))
PY
ANS='{"organisation":{"name":"Tenant a"},"target":"★1","answers":{}}'
for sfx in s p; do
  d=$HS; [ "$sfx" = p ] && d=$HP
  "$MAMORI" hub expert add --dir "$d" --registration-no 012345 --name "山田 太郎" --pubkey "$TMP/e1.key.pub" \
    --valid-until 2099-12-31 --region 大阪府 --industry 製造 --theme ★3確認 >/dev/null 2>&1
  start_hub "$d"
  curl -s -o "$TMP/login$sfx" -c "$TMP/jar$sfx" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"user":"yamada","password":"correct horse battery staple"}' "$URL/api/v1/session" >"$TMP/lcode$sfx"
  curl -s -b "$TMP/jar$sfx" "$URL/api/v1/alerts?limit=500" | python3 "$TMP/normalerts.py" >"$TMP/alerts$sfx"
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[a$sfx]}" \
    --data-binary @"$TMP/reports" "$URL/api/v1/events" >"$TMP/rcode$sfx"
  # the SME's own events (tenant_events): its SCS evidence
  curl -s -w '\n%{http_code}' -H "Authorization: Bearer ${TOK[a$sfx]}" "$URL/api/v1/scs/evidence" >"$TMP/ev$sfx"
  head -n -1 "$TMP/ev$sfx" | python3 "$TMP/normscs.py" >"$TMP/evn$sfx"
  # the summary's blocked and sensors figures (dataset_events)
  curl -s -b "$TMP/jar$sfx" "$URL/api/v1/summary" | jq -c '{blocked, sensors}' | python3 "$TMP/normscs.py" >"$TMP/sum$sfx"
  # the self-assessment saved and read back, then sent to the expert
  csrf=$(jq -r .csrf "$TMP/login$sfx")
  curl -s -o /dev/null -w '%{http_code} ' -b "$TMP/jar$sfx" -X PUT -H "X-CSRF-Token: $csrf" \
    -H 'Content-Type: application/json' -d "$ANS" "$URL/api/v1/scs/answers" >"$TMP/acode$sfx"
  curl -s -o "$TMP/ans$sfx" -w '%{http_code} ' -b "$TMP/jar$sfx" "$URL/api/v1/scs/answers" >>"$TMP/acode$sfx"
  curl -s -o "$TMP/req$sfx" -w '%{http_code} ' -b "$TMP/jar$sfx" -X POST -H "X-CSRF-Token: $csrf" \
    -H 'Content-Type: application/json' -d '{"message":"確認をお願いします"}' \
    "$URL/api/v1/experts/012345/request" >>"$TMP/acode$sfx"
  curl -s -o "$TMP/reqs$sfx" -w '%{http_code}' -H "Authorization: Bearer ${TOK[a$sfx]}" \
    "$URL/api/v1/scs/requests" >>"$TMP/acode$sfx"
  for f in ans req reqs; do python3 "$TMP/normscs.py" <"$TMP/$f$sfx" >"$TMP/${f}n$sfx"; done
  kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
done
check_eq "sensor reports accepted by both hubs" "200 200" "$(cat "$TMP/rcodes") $(cat "$TMP/rcodep")"
check_eq "SCS evidence (the SME's own events): 200 on both stores" "200 200" "$(tail -1 "$TMP/evs") $(tail -1 "$TMP/evp")"
check_ge "… the PostgreSQL hub's evidence counts the SME's events" 1 "$(jq '[.datasets_seen[]?.events // 0]|add // 0' "$TMP/evnp")"
check_eq "SQLite vs PostgreSQL: same SCS evidence" "$(cat "$TMP/evns")" "$(cat "$TMP/evnp")"
check "summary: the PostgreSQL hub has the blocked figures" jq -e '.blocked != null and .sensors != null' "$TMP/sump"
check_eq "SQLite vs PostgreSQL: same summary blocked and sensors figures" "$(cat "$TMP/sums")" "$(cat "$TMP/sump")"
check_eq "self-assessment PUT, GET, send to the expert, list: same codes on both stores" "$(cat "$TMP/acodes")" "$(cat "$TMP/acodep")"
check_eq "… and on PostgreSQL they succeed" "200 200 201 200" "$(cat "$TMP/acodep")"
check_eq "SQLite vs PostgreSQL: same saved self-assessment" "$(cat "$TMP/ansns")" "$(cat "$TMP/ansnp")"
check_eq "SQLite vs PostgreSQL: same expert request sent" "$(cat "$TMP/reqns")" "$(cat "$TMP/reqnp")"
check_eq "SQLite vs PostgreSQL: same list of the SME's requests" "$(cat "$TMP/reqsns")" "$(cat "$TMP/reqsnp")"
check_eq "the answers and the request are in PostgreSQL" "1 1" \
  "$(pq "SELECT count(*) FROM scs_answers WHERE tenant='a'") $(pq "SELECT count(*) FROM scs_requests WHERE tenant='a'")"
check_eq "console: the SME logs in on both stores" "200 200" "$(cat "$TMP/lcodes") $(cat "$TMP/lcodep")"
check_ge "console: the SME sees its alerts on PostgreSQL" 1 "$(jq '.alerts|length' "$TMP/alertsp")"
check_eq "console: the PostgreSQL hub lists the alerts the SQLite hub lists" "$(cat "$TMP/alertss")" "$(cat "$TMP/alertsp")"
check_ge "the replay queued mail for the buyer" 1 "$(pq 'SELECT count(*) FROM outbox')"
check_eq "SQLite vs PostgreSQL: same outbox" "$(cat "$TMP/outboxs")" "$(cat "$TMP/outboxp")"

# ---- 2 and 3: faults under six concurrent uploaders -------------------------
start_hub "$HP"
run_load k "$HP/hub.port"
sleep 2
kill -9 "$HUBPID"; wait "$HUBPID" 2>/dev/null
before=$(grep -c '^k' "$TMP/acked-k")
sleep 0.5
start_hub "$HP"
sleep 2
stop_load
check_ge "kill -9: uploads continued after the restart" $((before + 1)) "$(grep -c '^k' "$TMP/acked-k")"
verify k "kill -9 of the hub"

run_load r "$HP/hub.port"
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

# retention: a month entirely past retention_days (2010-01, received then)
# is dropped whole at the hub's start, with its idempotence keys
pq "CREATE TABLE events_y2010m01 PARTITION OF events FOR VALUES FROM (1262304000000) TO (1264982400000); INSERT INTO events(tenant,event_id,kind,ts,received,json) VALUES('xp','old-1','event',1262390400000,1262390400000,'{}'); INSERT INTO event_keys VALUES('xp','old-1')" >/dev/null
# serve --store on another hub directory: the store is PostgreSQL's
start_hub "$HS" --store "$MM_PG_URI"
for _ in $(seq 50); do
  [ "$(pq "SELECT to_regclass('events_y2010m01') IS NULL")" = t ] && break
  sleep 0.1
done
check_eq "retention: the old month is dropped whole, its keys too" "t 0 0" \
  "$(pq "SELECT to_regclass('events_y2010m01') IS NULL") $(pq "SELECT count(*) FROM event_keys WHERE event_id='old-1'") $(pq "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'events_drop_%'")"
check_eq "serve --store: a tenant of the PostgreSQL store is served" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK[xp]}" "$URL/api/v1/inbox")"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
pq "INSERT INTO mamori_schema(version) VALUES(99)" >/dev/null
check_rc "migrate refuses a newer schema (exit 2)" 2 "$MAMORI" hub migrate --store "$MM_PG_URI"
check "… and says why" bash -c "'$MAMORI' hub migrate --store '$MM_PG_URI' 2>&1 | grep -q 'newer than this mamori'"
out=$("$MAMORI" hub serve --dir "$HP" --plain 2>&1); rc=$?
check "serve refuses it too, saying why (exit $rc)" bash -c "[ $rc -ne 0 ] && grep -q 'newer than this mamori' <<<'$out'"
