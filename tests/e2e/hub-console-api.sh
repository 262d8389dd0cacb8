#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-console-api.sh — the console API with the real binary and
# curl: accounts for every role, alerts from a real OpenSSH log (loghub)
# uploaded by two SMEs, each role sees only its data, CSRF, triage with its
# audit trail, paging, login throttling and session expiry.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
start_hub() { # start_hub [--tls]; sets URL and HUBPID
  rm -f "$H/hub.port"
  "$MAMORI" hub serve --dir "$H" "${1:---plain}" 2>>"$TMP/serve.log" &
  HUBPID=$!; PIDS+=("$HUBPID")
  for _ in $(seq 100); do [ -s "$H/hub.port" ] && break; sleep 0.1; done
  URL="$([ "${1:-}" = --tls ] && echo https || echo http)://127.0.0.1:$(cat "$H/hub.port" 2>/dev/null)"
}
stop_hub() { kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null; }
q() { sqlite3 "$H/hub.db" "$1"; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id a --name "Alpha Parts" --kind sme)
TB=$(tok --id b --name "Beta Metal" --kind sme)
tok --id p --name "Watch Co" --kind provider >/dev/null
tok --id x --name "Big Buyer" --kind buyer >/dev/null
tok --id c --name "National Centre" --kind critical >/dev/null
"$MAMORI" hub link --dir "$H" a x --disclose >/dev/null 2>&1
check "provider link p -> a" "$MAMORI" hub provider link --dir "$H" --provider p --sme a
check_rc "provider link from an SME refused" 2 "$MAMORI" hub provider link --dir "$H" --provider b --sme a

adduser() { echo "pw-$1-secret" | "$MAMORI" hub user add --dir "$H" --tenant "$2" --role "$3" --name "$1" --password-stdin; }
check "user add sme (password on stdin)" adduser alice a sme
adduser bob b sme; adduser pat p provider; adduser bea x buyer; adduser cora c coordinator; adduser root c admin
PW=$("$MAMORI" hub user add --dir "$H" --tenant a --role sme --name temp 2>/dev/null)
check_eq "user add prints a 20-character one-time password" 20 "${#PW}"
check_rc "duplicate user refused" 2 adduser alice a sme
check_rc "unknown role refused" 2 "$MAMORI" hub user add --dir "$H" --tenant a --role boss --name z
check_rc "unknown tenant refused" 2 "$MAMORI" hub user add --dir "$H" --tenant nope --role sme --name z
check "user list shows the roles" bash -c "'$MAMORI' hub user list --dir '$H' | grep -q 'cora .*coordinator'"
check "user del" "$MAMORI" hub user del --dir "$H" --name temp
check_rc "user del of an unknown user" 2 "$MAMORI" hub user del --dir "$H" --name temp
check_eq "only Argon2id hashes are stored" 6 "$(q "SELECT count(*) FROM users WHERE pwhash LIKE '\$argon2id\$%'")"

# two registered experts for the directory (issue 13)
for k in e1 e2; do "$MAMORI" scs keygen --out "$TMP/$k.key" >/dev/null 2>&1; done
"$MAMORI" hub expert add --dir "$H" --registration-no 012345 --name "山田 太郎" --pubkey "$TMP/e1.key.pub" \
  --valid-until 2099-12-31 --region 大阪府 --industry 製造 --theme ★3確認 --contact yamada@expert.example.jp >/dev/null 2>&1
"$MAMORI" hub expert add --dir "$H" --registration-no 054321 --name "佐藤 花子" --pubkey "$TMP/e2.key.pub" \
  --valid-until 2099-12-31 --region 東京都 --industry 物流 --theme ASM >/dev/null 2>&1

# a state-backed indicator list naming one of the sample's real attackers:
# its alerts are critical and open incident cases by themselves
echo 183.62.140.253 >"$TMP/state.txt"
"$MAMORI" hub ioc import --dir "$H" "$TMP/state.txt" >/dev/null
start_hub
# alerts from a real log (loghub OpenSSH_2k), uploaded by SMEs a and b
"$MAMORI" scan -q "$SRCDIR/data/samples/loghub-OpenSSH_2k.log" >"$TMP/alerts.ndjson"
NA=$(wc -l <"$TMP/alerts.ndjson")
check_ge "the sample log raises alerts" 10 "$NA"
up() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" --data-binary @"$TMP/alerts.ndjson" "$URL/api/v1/events"; }
check_eq "a uploads its alerts" 200 "$(up "$TA")"
check_eq "b uploads its alerts" 200 "$(up "$TB")"

# login NAME -> cookie jar $TMP/NAME.jar, CSRF token in $TMP/NAME.csrf; prints the status
login() {
  curl -s -D "$TMP/$1.hdr" -o "$TMP/$1.login" -c "$TMP/$1.jar" -w '%{http_code}' \
    -H 'Content-Type: application/json' -d "{\"user\":\"$1\",\"password\":\"${2:-pw-$1-secret}\"}" \
    "$URL/api/v1/session"
  jq -r .csrf "$TMP/$1.login" 2>/dev/null >"$TMP/$1.csrf"
}
# get NAME PATH -> body in $TMP/out, prints the status
get() { curl -s -o "$TMP/out" -w '%{http_code}' -b "$TMP/$1.jar" "$URL$2"; }
# send NAME METHOD PATH BODY [csrf|none|wrong] -> prints the status
send() {
  local h=()
  case "${5:-csrf}" in
    csrf) h=(-H "X-CSRF-Token: $(cat "$TMP/$1.csrf")");;
    wrong) h=(-H "X-CSRF-Token: 0000");;
  esac
  curl -s -o "$TMP/out" -w '%{http_code}' -b "$TMP/$1.jar" -X "$2" "${h[@]}" \
    -H 'Content-Type: application/json' -d "$4" "$URL$3"
}

check_eq "alice logs in" 200 "$(login alice)"
check_eq "login body: role and tenant" "sme a Asia/Tokyo" "$(jq -r '"\(.role) \(.tenant) \(.tz)"' "$TMP/alice.login")"
check "cookie is HttpOnly, SameSite=Strict, Path=/" grep -qi 'Set-Cookie: mamori_session=[0-9a-f]\{64\}; HttpOnly; SameSite=Strict; Path=/' "$TMP/alice.hdr"
check_eq "the store keeps only the session id's hash" 0 "$(q "SELECT count(*) FROM sessions WHERE id_hash='$(awk '$6=="mamori_session"{print $7}' "$TMP/alice.jar")'")"
check_eq "wrong password: 401" 401 "$(login alice nope)"
check_eq "unknown user: 401" 401 "$(login nobody nope)"
login alice >/dev/null
check_eq "GET session" "200 alice" "$(get alice /api/v1/session) $(jq -r .user "$TMP/out")"
check_eq "GET session without cookie: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/session")"

# ---- each role sees only its data
get alice /api/v1/alerts?limit=500 >/dev/null
check_eq "sme sees all its alerts" "$NA" "$(jq '.alerts|length' "$TMP/out")"
check_eq "sme sees no other tenant's alert" a "$(jq -r '[.alerts[].tenant]|unique|join(",")' "$TMP/out")"
check "alerts carry rule name, advice and count" jq -e '.alerts[0] | .rule_name and .advice_ja and .advice_en and (.count > 0) and .source_ip and (.first_seen|test("\\+09:00$"))' "$TMP/out"
BID=$(curl -s -b "$TMP/alice.jar" "$URL/api/v1/alerts" | jq '.alerts[0].id')
check_eq "sme asking for another tenant: 404" 404 "$(get alice '/api/v1/alerts?tenant=b')"
login bob >/dev/null
get bob /api/v1/alerts?limit=500 >/dev/null
check_eq "the other sme sees only b" b "$(jq -r '[.alerts[].tenant]|unique|join(",")' "$TMP/out")"
OTHER=$(jq '.alerts[0].id' "$TMP/out")
check_eq "sme reading another tenant's alert by id: 404" 404 "$(get alice "/api/v1/alerts/$OTHER")"
check_eq "provider logs in" 200 "$(login pat)"
get pat /api/v1/alerts?limit=500 >/dev/null
check_eq "provider sees its linked SME only" "a $NA" "$(jq -r '[.alerts[].tenant]|unique|join(",")' "$TMP/out") $(jq '.alerts|length' "$TMP/out")"
check_eq "provider: unlinked SME is 404" 404 "$(get pat '/api/v1/alerts?tenant=b')"
# the provider's queue is one keyset-paged query: pages of 7 walk every
# alert of its SMEs once, newest first
: >"$TMP/paged"; CUR=""
for _ in $(seq 100); do
  get pat "/api/v1/alerts?limit=7${CUR:+&before=$CUR}" >/dev/null
  jq -r '.alerts[].id' "$TMP/out" >>"$TMP/paged"
  CUR=$(jq -r '.next // empty' "$TMP/out"); [ -n "$CUR" ] || break
done
check_eq "provider's queue in pages: every alert once, newest first" "$NA $NA yes" \
  "$(wc -l <"$TMP/paged") $(sort -u "$TMP/paged" | wc -l) $(sort -rn "$TMP/paged" | cmp -s - "$TMP/paged" && echo yes)"
get pat /api/v1/tenants >/dev/null
check_eq "provider's tenants: itself and a" "a:provider p:self" "$(jq -r '[.tenants[]|"\(.id):\(.role_relation)"]|join(" ")' "$TMP/out")"
check_eq "buyer logs in" 200 "$(login bea)"
check_eq "buyer: a supplier's alerts are 403" 403 "$(get bea '/api/v1/alerts?tenant=a')"
check_eq "buyer: a supplier's alert by id is 403" 403 "$(get bea "/api/v1/alerts/$BID")"
check_eq "buyer: unrelated tenant is 404" 404 "$(get bea '/api/v1/alerts?tenant=b')"
get bea /api/v1/tenants >/dev/null
check_eq "buyer's tenants: its supplier and itself" "a:buyer:Alpha Parts x:self:Big Buyer" "$(jq -r '[.tenants[]|"\(.id):\(.role_relation):\(.name)"]|join(" ")' "$TMP/out")"
get bea /api/v1/alerts >/dev/null
check_eq "buyer's own alert list has none of its suppliers'" 0 "$(jq '.alerts|length' "$TMP/out")"
check_eq "coordinator logs in" 200 "$(login cora)"
check_eq "coordinator: a tenant's alerts are 404" 404 "$(get cora '/api/v1/alerts?tenant=a')"
get cora /api/v1/alerts >/dev/null
check_eq "coordinator sees no tenant's alerts" 0 "$(jq '.alerts|length' "$TMP/out")"
check_eq "admin logs in" 200 "$(login root)"
get root /api/v1/alerts?limit=500 >/dev/null
check_eq "admin sees every tenant's alerts" "a,b $((2 * NA))" "$(jq -r '[.alerts[].tenant]|unique|join(",")' "$TMP/out") $(jq '.alerts|length' "$TMP/out")"

# ---- the outside-in self-check (GET /api/v1/asm): the SME and its provider
# read it, a buyer of the SME is refused, anyone else finds nothing
"$MAMORI" hub asm add --dir "$H" --tenant a --asset shop.alpha.test >/dev/null 2>&1
check_eq "asm before any check: no check yet, the asset unproven with its token" "200 null null 32" \
  "$(get alice /api/v1/asm) $(jq -c '.last_check, .assets[0].verified_at' "$TMP/out" | tr '\n' ' ')$(jq -r '.assets[0].token|length' "$TMP/out")"
"$MAMORI" hub asm check --dir "$H" --tenant a --ports 1=x --rate 50 >/dev/null 2>&1
check_eq "SME: its own check (200), the unproven asset refused" "200 true" \
  "$(get alice /api/v1/asm) $(jq '.last_check.checked_at != null and (.last_check.assets[0].refused|test("not probed"))' "$TMP/out")"
check_eq "provider of the SME: 200, the same check" "200 a" "$(get pat '/api/v1/asm?tenant=a') $(jq -r .tenant "$TMP/out")"
check_eq "provider: an SME it does not watch is 404" 404 "$(get pat '/api/v1/asm?tenant=b')"
check_eq "buyer of the SME: 403" 403 "$(get bea '/api/v1/asm?tenant=a')"
check_eq "another SME: 404" 404 "$(get bob '/api/v1/asm?tenant=a')"
check_eq "coordinator: 404" 404 "$(get cora '/api/v1/asm?tenant=a')"
check_eq "asm: not a GET is 404 (no such endpoint)" 404 "$(send alice POST /api/v1/asm '{}')"

# ---- the expert directory (GET /api/v1/experts) and sending the saved
# self-assessment to one (POST /api/v1/experts/{no}/request)
check_eq "experts: the whole directory" "200 012345,054321" "$(get alice /api/v1/experts) $(jq -r '[.entries[].registration_no]|join(",")' "$TMP/out")"
check_eq "experts: region 大阪 (matches 大阪府), industry 製造, theme ★3確認" "200 012345 yamada@expert.example.jp" \
  "$(get alice '/api/v1/experts?region=%E5%A4%A7%E9%98%AA&industry=%E8%A3%BD%E9%80%A0&theme=%E2%98%853%E7%A2%BA%E8%AA%8D') $(jq -r '[.entries[]|.registration_no, .contact]|join(" ")' "$TMP/out")"
check_eq "experts: a region nobody serves: none" "200 0" "$(get alice '/api/v1/experts?region=%E6%B2%96%E7%B8%84') $(jq '.entries|length' "$TMP/out")"
check_eq "send before any answer is saved: 404" 404 "$(send alice POST /api/v1/experts/012345/request '{}')"
send alice PUT /api/v1/scs/answers '{"organisation":{"name":"Alpha Parts"},"target":"★1","answers":{}}' >/dev/null
check_eq "send without the CSRF token: 403" 403 "$(send alice POST /api/v1/experts/012345/request '{}' none)"
check_eq "send to an expert not registered: 404" 404 "$(send alice POST /api/v1/experts/099999/request '{}')"
check_eq "send with an unknown field: 400" 400 "$(send alice POST /api/v1/experts/012345/request '{"tenant":"b"}')"
check_eq "the SME sends its saved assessment: 201, sent" "201 012345 sent" \
  "$(send alice POST /api/v1/experts/012345/request '{"message":"確認をお願いします"}') $(jq -r '"\(.expert) \(.state)"' "$TMP/out")"
check_eq "the request holds the hub's assessment of the saved answers" "a ★1 確認をお願いします" \
  "$(q "SELECT tenant, target, message FROM scs_requests ORDER BY id DESC LIMIT 1" | tr '|' ' ')"
check_eq "the provider cannot send for its SME: 403" 403 "$(send pat POST /api/v1/experts/012345/request '{}')"
check_eq "a buyer cannot send: 403" 403 "$(send bea POST /api/v1/experts/012345/request '{}')"
check_eq "GET on the send route: 405" 405 "$(get alice /api/v1/experts/012345/request)"

# ---- paging and filters
get alice '/api/v1/alerts?limit=5' >/dev/null
N1=$(jq .next "$TMP/out"); L1=$(jq '.alerts[-1].id' "$TMP/out")
check_eq "a page of 5 with a next cursor" "5 $L1" "$(jq '.alerts|length' "$TMP/out") $N1"
get alice "/api/v1/alerts?limit=5&before=$N1" >/dev/null
check "the next page continues below the cursor" jq -e "(.alerts|length) == 5 and (.alerts[0].id < $N1)" "$TMP/out"
get alice '/api/v1/alerts?severity=medium&limit=500' >/dev/null
check "severity filter: medium and above" jq -e '(.alerts|length) > 0 and all(.alerts[]; .severity=="medium" or .severity=="high" or .severity=="critical")' "$TMP/out"
check_eq "bad status filter: 400" 400 "$(get alice '/api/v1/alerts?status=maybe')"

# ---- CSRF and triage with its audit trail
ACK='{"status":"acknowledged","note":"確認しました"}'
check_eq "triage without X-CSRF-Token: 403" 403 "$(send alice POST "/api/v1/alerts/$BID" "$ACK" none)"
check_eq "triage with a wrong X-CSRF-Token: 403" 403 "$(send alice POST "/api/v1/alerts/$BID" "$ACK" wrong)"
check_eq "nothing changed without CSRF" new "$(get alice "/api/v1/alerts/$BID" >/dev/null; jq -r .status "$TMP/out")"
check_eq "sme acknowledges an alert" 200 "$(send alice POST "/api/v1/alerts/$BID" "$ACK")"
check_eq "the reply is the updated alert" "acknowledged alice status:acknowledged 確認しました" "$(jq -r '"\(.status) \(.audit[0].actor) \(.audit[0].action) \(.audit[0].note)"' "$TMP/out")"
check_eq "status filter finds it" "$BID" "$(get alice '/api/v1/alerts?status=acknowledged' >/dev/null; jq -r '[.alerts[].id]|join(",")' "$TMP/out")"
check_eq "provider assigns it to itself" 200 "$(send pat POST "/api/v1/alerts/$BID" '{"assignee":"pat","note":"対応します"}')"
check_eq "assigned: status and assignee lines added" "assigned pat 3 pat" "$(jq -r '"\(.status) \(.assignee) \(.audit|length) \(.audit[1].actor)"' "$TMP/out")"
check_eq "provider closes it" 200 "$(send pat POST "/api/v1/alerts/$BID" '{"status":"closed","note":"誤検知ではない、遮断済み"}')"
check_eq "audit kept in the store" 4 "$(q "SELECT count(*) FROM audit WHERE kind='alert' AND ref=$BID")"
check_eq "buyer cannot triage a supplier's alert" 403 "$(send bea POST "/api/v1/alerts/$BID" "$ACK")"
check_eq "sme cannot triage another tenant's alert" 404 "$(send alice POST "/api/v1/alerts/$OTHER" "$ACK")"
check_eq "bad status: 400" 400 "$(send alice POST "/api/v1/alerts/$BID" '{"status":"done"}')"
check_eq "unknown assignee: 400" 400 "$(send alice POST "/api/v1/alerts/$BID" '{"assignee":"ghost"}')"

# ---- incident cases: the state-backed attacker's alerts opened them
NC=$(jq -s '[.[]|select(.source.ip=="183.62.140.253")]|length' "$TMP/alerts.ndjson")
check_ge "the sample has alerts of the state-backed address" 1 "$NC"
for _ in $(seq 50); do
  get alice /api/v1/cases >/dev/null
  [ "$(jq '.cases|length' "$TMP/out")" = "$NC" ] && break; sleep 0.1
done
check_eq "a critical alert opened a case by itself (one per alert)" "$NC" "$(jq '.cases|length' "$TMP/out")"
CID=$(jq '.cases[0].id' "$TMP/out")
check_eq "opened by mamori, with the checklist" "mamori 0 8" "$(jq -r '.cases[0]|"\(.opened_by) \(.steps_done) \(.steps_total)"' "$TMP/out")"
get alice "/api/v1/cases/$CID" >/dev/null
check_eq "first step: isolate without powering off (Japanese first)" "isolate" "$(jq -r '.steps[0].id' "$TMP/out")"
check "checklist has police, IPA, partners, ransom, PPC reports" jq -e '[.steps[].id] == ["isolate","keep_logs","no_ransom","police","ipa","partners","ppc_preliminary","ppc_final"]' "$TMP/out"
OPENED=$(jq -r .opened "$TMP/out")
DUE=$(jq -r '.steps[]|select(.id=="ppc_final").due' "$TMP/out")
check_eq "PPC final report due 60 days after opening (attack)" 60 $(( ($(date -d "$DUE" +%s) - $(date -d "$OPENED" +%s)) / 86400 ))
DUE=$(jq -r '.steps[]|select(.id=="ppc_preliminary").due' "$TMP/out")
check_eq "PPC preliminary report due 5 days after opening" 5 $(( ($(date -d "$DUE" +%s) - $(date -d "$OPENED" +%s)) / 86400 ))
check_eq "another SME cannot see the case" 404 "$(get bob "/api/v1/cases/$CID")"
check_eq "the buyer cannot see its supplier's case" 403 "$(get bea "/api/v1/cases/$CID")"
check_eq "the coordinator cannot see a tenant's case" 404 "$(get cora "/api/v1/cases/$CID")"
check_eq "tick without CSRF: 403" 403 "$(send pat POST "/api/v1/cases/$CID/steps/isolate" '{"done":true}' none)"
check_eq "provider ticks 'isolate'" 200 "$(send pat POST "/api/v1/cases/$CID/steps/isolate" '{"done":true,"note":"LAN ケーブルを抜いた"}')"
check_eq "the step records who and when" "true pat LAN ケーブルを抜いた" "$(jq -r '.steps[0]|"\(.done) \(.done_by) \(.note)"' "$TMP/out")"
check "done_at is a +09:00 time" jq -e '.steps[0].done_at|test("^20[0-9-]+T[0-9:.]+\\+09:00$")' "$TMP/out"
check_eq "unknown step: 400" 400 "$(send pat POST "/api/v1/cases/$CID/steps/pray" '{"done":true}')"
check_eq "on-site dispatch recorded" 200 "$(send pat POST "/api/v1/cases/$CID/dispatch" '{"requested_at":"2026-12-07T10:00:00+09:00","arrived_at":"2026-12-07T11:30:00+09:00","note":"駆付け"}')"
check_eq "dispatch times kept" "2026-12-07T10:00:00.000+09:00 2026-12-07T11:30:00.000+09:00 pat" "$(jq -r '.dispatch[0]|"\(.requested_at) \(.arrived_at) \(.by)"' "$TMP/out")"
check_eq "timeline: opened, step, dispatch" "opened step:isolate dispatch:arrived" "$(jq -r '[.timeline[].action]|join(" ")' "$TMP/out")"
check_eq "no case on another tenant's alert" 404 "$(send alice POST /api/v1/cases "{\"alert_id\":$OTHER}")"
LOW=$(curl -s -b "$TMP/alice.jar" "$URL/api/v1/alerts?limit=500" | jq '[.alerts[]|select(.source_ip!="183.62.140.253")][0].id')
check_eq "an SME opens a case for one of its other alerts" 201 "$(send alice POST /api/v1/cases "{\"alert_id\":$LOW,\"personal_data\":true}")"
check_eq "it is open, by alice, personal data flagged" "open alice true" "$(jq -r '"\(.status) \(.opened_by) \(.personal_data)"' "$TMP/out")"
NEWC=$(jq .id "$TMP/out")
check_eq "closing a case" "200 closed" "$(send alice POST "/api/v1/cases/$NEWC" '{"status":"closed","note":"調査完了"}') $(jq -r .status "$TMP/out")"
check_eq "status filter" "$NEWC" "$(get alice '/api/v1/cases?status=closed' >/dev/null; jq -r '[.cases[].id]|join(",")' "$TMP/out")"
check_eq "HTML export over the API" 200 "$(get alice "/api/v1/cases/$CID/export.html")"
check "the export is the timeline with the checklist" grep -q '初動対応 / First response' "$TMP/out"
check "the export names who ticked" grep -q 'LAN ケーブルを抜いた' "$TMP/out"
check "case export by the CLI" "$MAMORI" hub case export --dir "$H" --case "$CID" -o "$TMP/case.html"
check "the CLI export has the dispatch" grep -q '2026-12-07T11:30:00.000+09:00' "$TMP/case.html"
check_rc "export of an unknown case" 2 "$MAMORI" hub case export --dir "$H" --case 99999 -o "$TMP/none.html"

# ---- summary, campaigns, graph, suppliers
MONTH=$(jq -r '."@timestamp"' "$TMP/alerts.ndjson" | head -1 | xargs -I{} date -u -d '{} 9 hours' +%Y-%m)
INMONTH=$(jq -r '."@timestamp"' "$TMP/alerts.ndjson" | while read -r t; do date -u -d "$t 9 hours" +%Y-%m; done | grep -c "^$MONTH$")
check_eq "summary: 200" 200 "$(get alice "/api/v1/summary?month=$MONTH")"
check_eq "summary counts the month's alerts from the store" "a $MONTH $INMONTH" "$(jq -r '"\(.tenant) \(.month) \(.attacks)"' "$TMP/out")"
check "open + closed = attacks, the closed one counted" jq -e '.alerts_open + .alerts_closed == .attacks and .alerts_closed >= 1' "$TMP/out"
OPENC=$(curl -s -b "$TMP/alice.jar" "$URL/api/v1/cases?status=open" | jq '.cases|length')
check_eq "summary: open cases as the cases API, unmeasured figures null" "$OPENC null null" "$(jq -r '"\(.cases_open) \(.feed_first_hit_stopped) \(.sensors[0].lines_per_s)"' "$TMP/out")"
check "summary: sensor last seen" jq -e '.sensors[0].last_seen|test("\\+09:00$")' "$TMP/out"
check_eq "summary of another tenant: 404" 404 "$(get alice "/api/v1/summary?tenant=b&month=$MONTH")"
check_eq "buyer: a supplier's summary is 403" 403 "$(get bea "/api/v1/summary?tenant=a&month=$MONTH")"
check_eq "bad month: 400" 400 "$(get alice '/api/v1/summary?month=2026-13')"
check_eq "provider: its SME's summary" "200 $INMONTH" "$(get pat "/api/v1/summary?tenant=a&month=$MONTH") $(jq .attacks "$TMP/out")"
check_eq "coordinator: campaigns" 200 "$(get cora /api/v1/campaigns)"
check "the shared attackers opened campaigns over two tenants" jq -e '(.campaigns|length) > 0 and all(.campaigns[]; .tenants == 2)' "$TMP/out"
check "campaign hits are de-identified" jq -e '[.campaigns[].hits[].tenant] | all(test("^t-[0-9a-f]{12}$"))' "$TMP/out"
check_eq "coordinator: graph" 200 "$(get cora /api/v1/graph)"
check "graph nodes are de-identified, the hit SMEs marked" jq -e '(.nodes|length) == 5 and all(.nodes[]; .id|test("^t-")) and ([.nodes[]|select(.hit)]|length) == 2 and (.edges|length) == 1' "$TMP/out"
check_eq "admin's graph names the tenants" "a,b,c,p,x" "$(get root /api/v1/graph >/dev/null; jq -r '[.nodes[].id]|sort|join(",")' "$TMP/out")"
check_eq "sme: campaigns are 403" 403 "$(get alice /api/v1/campaigns)"
check_eq "coordinator: escalations" 200 "$(get cora /api/v1/escalations)"
check "the state-backed attacker escalated, reasons without tenant ids" jq -e '(.escalations|length) > 0 and any(.escalations[]; .reason|test("183\\.62\\.140\\.253")) and all(.escalations[]; (.reason|test("\\b(a|b|c|p|x)\\b")|not) and (.campaign|test("^c-[0-9]+$")) and (.created|test("\\+09:00$")))' "$TMP/out"
check_eq "sme: escalations are 403" 403 "$(get alice /api/v1/escalations)"
check_eq "provider: escalations are 403" 403 "$(get pat /api/v1/escalations)"
check_eq "provider: graph is 403" 403 "$(get pat /api/v1/graph)"
check_eq "buyer: its suppliers (SCS view)" "200 a" "$(get bea /api/v1/suppliers) $(jq -r '[.suppliers[].supplier]|join(",")' "$TMP/out")"
check_eq "sme: suppliers view is 403" 403 "$(get alice /api/v1/suppliers)"

# ---- logout
check_eq "logout without CSRF: 403" 403 "$(send bob DELETE /api/v1/session '' none)"
check_eq "logout: 204" 204 "$(send bob DELETE /api/v1/session '')"
check_eq "after logout the cookie is dead" 401 "$(get bob /api/v1/session)"

# ---- throttling: 5 failures on one account, then 429 even for the right password
for _ in 1 2 3 4 5; do login bob wrong >/dev/null; done
check_eq "6th attempt on the account: 429" 429 "$(login bob)"
check "429 carries Retry-After" grep -qi '^Retry-After: [0-9]' "$TMP/bob.hdr"
check_eq "another account from the same address still logs in" 200 "$(login alice)"

# ---- TOTP for the provider account (RFC 6238, computed here with Python's hmac)
URI=$("$MAMORI" hub user totp --dir "$H" --name pat 2>/dev/null)
check "user totp prints an otpauth URI" bash -c "echo '$URI' | grep -q '^otpauth://totp/mamori:pat?secret=[A-Z2-7]\{32\}&issuer=mamori&algorithm=SHA1&digits=6&period=30$'"
SECRET=$(echo "$URI" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
code() { python3 -c 'import base64,hmac,struct,sys,time
k=base64.b32decode(sys.argv[1]); c=struct.pack(">Q", int(time.time())//30+int(sys.argv[2]))
h=hmac.new(k,c,"sha1").digest(); o=h[19]&15
print("%06d" % ((struct.unpack(">I",h[o:o+4])[0]&0x7fffffff)%1000000))' "$SECRET" "${1:-0}"; }
totp_login() { curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "{\"user\":\"pat\",\"password\":\"pw-pat-secret\"$1}" "$URL/api/v1/session"; }
check_eq "enrolled provider without the code: 401" 401 "$(totp_login '')"
check_eq "with a wrong code: 401" 401 "$(totp_login ",\"totp\":\"000000\"")"
check_eq "with the current code: 200" 200 "$(totp_login ",\"totp\":\"$(code 0)\"")"
check_eq "one step off (the next code) still accepted" 200 "$(totp_login ",\"totp\":\"$(code 1)\"")"
check_eq "user list marks TOTP" "pat totp" "$("$MAMORI" hub user list --dir "$H" | awk '$1=="pat"{print $1, $4}')"

# ---- session expiry (idle 2 s for this run)
stop_hub
echo "session_idle_s = 2" >>"$H/hub.conf"
start_hub
login alice >/dev/null
check_eq "fresh session works" 200 "$(get alice /api/v1/session)"
SID=$(awk '$6=="mamori_session"{print $7}' "$TMP/alice.jar" | tr -d '\n' | sha256sum | cut -d' ' -f1)
check_eq "the session is stored under its hash" 1 "$(q "SELECT count(*) FROM sessions WHERE id_hash='$SID'")"
sleep 3
check_eq "idle session expired: 401" 401 "$(get alice /api/v1/session)"
check_eq "expired session removed from the store" 0 "$(q "SELECT count(*) FROM sessions WHERE id_hash='$SID'")"
stop_hub

# ---- under TLS the cookie is Secure
start_hub --tls
check_eq "TLS login" 200 "$(curl -sk -D "$TMP/tls.hdr" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{"user":"alice","password":"pw-alice-secret"}' "$URL/api/v1/session")"
check "cookie has Secure under TLS" grep -qi 'Set-Cookie: mamori_session=[0-9a-f]\{64\}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure' "$TMP/tls.hdr"
check "no Secure on plain HTTP" bash -c "! grep -qi 'Secure' '$TMP/alice.hdr'"
stop_hub
