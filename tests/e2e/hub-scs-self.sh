#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-scs-self.sh — the console's ★ self-assessment (issue 13,
# "a questionnaire instead of JSON"): questions from the scs catalogue,
# answers saved per tenant as the SME goes (CSRF, validation, size cap),
# kept over a hub restart, the provider may look but not answer, buyers and
# unrelated accounts are refused; the answers file downloaded from the hub
# assesses with `mamori scs assess` exactly as the hub's page shows.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
start_hub() {
  hub_serve "$H" --plain
}
stop_hub() { kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id a --name "Alpha Parts" --kind sme)
tok --id b --name "Beta Metal" --kind sme >/dev/null
tok --id p --name "Watch Co" --kind provider >/dev/null
tok --id x --name "Big Buyer" --kind buyer >/dev/null
tok --id c --name "National Centre" --kind critical >/dev/null
"$MAMORI" hub link --dir "$H" a x --disclose >/dev/null 2>&1
"$MAMORI" hub provider link --dir "$H" --provider p --sme a >/dev/null 2>&1
adduser() { echo "pw-$1-secret" | "$MAMORI" hub user add --dir "$H" --tenant "$2" --role "$3" --name "$1" --password-stdin >/dev/null 2>&1; }
adduser alice a sme; adduser bob b sme; adduser pat p provider; adduser bea x buyer; adduser cora c coordinator

start_hub
# the SME's sensor has sent alerts (the hub's evidence has something to say)
"$MAMORI" scan -q "$SRCDIR/data/samples/loghub-OpenSSH_2k.log" >"$TMP/alerts.ndjson"
check_eq "a uploads its alerts" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" --data-binary @"$TMP/alerts.ndjson" "$URL/api/v1/events")"

# and, an hour ago, RDP tried from the internet and a VPN sign-in with a
# password only: the hub's evidence contradicts "yes" to 4-5-1 and 4-1-4
NOW1H=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%S.000Z)
cat >"$TMP/recent.ndjson" <<JSON
{"@timestamp":"$NOW1H","event":{"kind":"event","id":"rdp-1","dataset":"windows","category":"authentication","action":"authentication_failure","outcome":"failure"},"service":{"type":"rdp"},"source":{"ip":"203.0.113.50"}}
{"@timestamp":"$NOW1H","event":{"kind":"event","id":"vpn-1","dataset":"fortigate","category":"authentication","action":"authentication_success","outcome":"success"},"service":{"type":"vpn"},"source":{"ip":"203.0.113.9"},"mamori":{"auth_factors":1}}
JSON
check_eq "a uploads recent RDP and VPN sign-ins" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" --data-binary @"$TMP/recent.ndjson" "$URL/api/v1/events")"

login() {
  curl -s -o "$TMP/$1.login" -c "$TMP/$1.jar" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"user\":\"$1\",\"password\":\"pw-$1-secret\"}" "$URL/api/v1/session"
  jq -r .csrf "$TMP/$1.login" 2>/dev/null >"$TMP/$1.csrf"
}
get() { curl -s -o "$TMP/out" -w '%{http_code}' -b "$TMP/$1.jar" "$URL$2"; }
put() { # put NAME PATH FILE [csrf|none]
  local h=(-H "X-CSRF-Token: $(cat "$TMP/$1.csrf")")
  [ "${4:-csrf}" = none ] && h=()
  curl -s -o "$TMP/out" -w '%{http_code}' -b "$TMP/$1.jar" -X PUT "${h[@]}" \
    -H 'Content-Type: application/json' --data-binary @"$3" "$URL$2"
}
for u in alice bob pat bea cora; do login $u >/dev/null; done

# ---- questions: the catalogue's wording, from the scs module
check_eq "questions without a session: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/scs/questions?level=1")"
check_eq "GET /api/v1/scs/questions?level=3" 200 "$(get alice '/api/v1/scs/questions?level=3')"
cp "$TMP/out" "$TMP/q3.json"
check_eq "total matches the list" "$(jq '.questions | length' "$TMP/q3.json")" "$(jq .total "$TMP/q3.json")"
check_ge "★3 has questions" 10 "$(jq .total "$TMP/q3.json")"
check "each question: Japanese and English wording and hint" \
  jq -e '(.questions|length) as $n | [.questions[] | select((.question_ja|length)>0 and (.question_en|length)>0 and (.hint_ja|length)>0 and (.hint_en|length)>0)] | length == $n' "$TMP/q3.json"
check "a requirement is asked as a plain question (…はできていますか？)" \
  jq -e '(.questions|length) as $n | [.questions[] | select(.question_ja | endswith("？"))] | length == $n' "$TMP/q3.json"
check_eq "GET questions?level=1" 200 "$(get alice '/api/v1/scs/questions?level=★1')"
cp "$TMP/out" "$TMP/q1.json"
check_eq "questions?level=5: 400" 400 "$(get alice '/api/v1/scs/questions?level=5')"
check_eq "questions without level: 400" 400 "$(get alice '/api/v1/scs/questions')"

# ---- answers: a new file, saved as the SME goes
check_eq "alice: GET answers (none yet)" 200 "$(get alice /api/v1/scs/answers)"
cp "$TMP/out" "$TMP/new.json"
check_eq "a new answers file names the company and starts at ★1" "Alpha Parts ★1 0" \
  "$(jq -r '"\(.organisation.name) \(.target) \(.answers|length)"' "$TMP/new.json")"
check_eq "assessment before any answer: 404" 404 "$(get alice /api/v1/scs/assessment)"
Q1=$(jq -r '.questions[0].id' "$TMP/q1.json"); Q2=$(jq -r '.questions[1].id' "$TMP/q1.json"); Q3=$(jq -r '.questions[2].id' "$TMP/q1.json")
jq --arg a "$Q1" --arg b "$Q2" --arg c "$Q3" '.target="★1" | .answers[$a]="yes" | .answers[$b]="no" | .answers[$c]="unknown"' \
  "$TMP/new.json" >"$TMP/three.json"
check_eq "PUT answers without the CSRF header: 403" 403 "$(put alice /api/v1/scs/answers "$TMP/three.json" none)"
check_eq "PUT three answers: 200" 200 "$(put alice /api/v1/scs/answers "$TMP/three.json")"
check_eq "GET answers gives them back" "yes no unknown" \
  "$(get alice /api/v1/scs/answers >/dev/null; jq -r --arg a "$Q1" --arg b "$Q2" --arg c "$Q3" '"\(.answers[$a]) \(.answers[$b]) \(.answers[$c])"' "$TMP/out")"
check_eq "stored once per tenant, with who saved it" "a|alice" "$(sqlite3 "$H/hub.db" 'SELECT tenant,saved_by FROM scs_answers' 2>/dev/null)"
jq '.answers["9-9-9"]="yes"' "$TMP/three.json" >"$TMP/bad-id.json"
check_eq "an unknown item id: 400" 400 "$(put alice /api/v1/scs/answers "$TMP/bad-id.json")"
check "the error names the id" grep -q '9-9-9' "$TMP/out"
jq --arg a "$Q1" '.answers[$a]="maybe"' "$TMP/three.json" >"$TMP/bad-val.json"
check_eq "a bad value: 400" 400 "$(put alice /api/v1/scs/answers "$TMP/bad-val.json")"
jq '.target="★5"' "$TMP/three.json" >"$TMP/bad-target.json"
check_eq "a bad target: 400" 400 "$(put alice /api/v1/scs/answers "$TMP/bad-target.json")"
printf '{"organisation":' >"$TMP/broken.json"
check_eq "not JSON: 400" 400 "$(put alice /api/v1/scs/answers "$TMP/broken.json")"
jq --arg pad "$(head -c 40000 /dev/zero | tr '\0' a)" '.comment=$pad' "$TMP/three.json" >"$TMP/big.json"
check_eq "larger than 32 KiB: 413" 413 "$(put alice /api/v1/scs/answers "$TMP/big.json")"
check_eq "a refused PUT leaves the saved answers alone" "yes" \
  "$(get alice /api/v1/scs/answers >/dev/null; jq -r --arg a "$Q1" '.answers[$a]' "$TMP/out")"

# ---- who may see and who may answer (the access table)
check_eq "provider of a: GET answers?tenant=a" 200 "$(get pat '/api/v1/scs/answers?tenant=a')"
check_eq "provider sees the same answers" "yes" "$(jq -r --arg a "$Q1" '.answers[$a]' "$TMP/out")"
check_eq "provider of a: GET assessment?tenant=a" 200 "$(get pat '/api/v1/scs/assessment?tenant=a')"
check_eq "provider may not answer for a: 403" 403 "$(put pat '/api/v1/scs/answers?tenant=a' "$TMP/three.json")"
check_eq "buyer of a: GET answers?tenant=a 403" 403 "$(get bea '/api/v1/scs/answers?tenant=a')"
check_eq "buyer of a: GET assessment?tenant=a 403" 403 "$(get bea '/api/v1/scs/assessment?tenant=a')"
check_eq "buyer of a: PUT answers?tenant=a 403" 403 "$(put bea '/api/v1/scs/answers?tenant=a' "$TMP/three.json")"
check_eq "another SME: GET answers?tenant=a 404" 404 "$(get bob '/api/v1/scs/answers?tenant=a')"
check_eq "another SME: PUT answers?tenant=a 404" 404 "$(put bob '/api/v1/scs/answers?tenant=a' "$TMP/three.json")"
check_eq "coordinator: GET answers?tenant=a 404" 404 "$(get cora '/api/v1/scs/answers?tenant=a')"
check_eq "DELETE answers: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/alice.jar" -H "X-CSRF-Token: $(cat "$TMP/alice.csrf")" -X DELETE "$URL/api/v1/scs/answers")"
check_eq "the bearer-token SCS API is unchanged (evidence needs a token)" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/alice.jar" "$URL/api/v1/scs/evidence")"

# ---- kept over a restart of the hub (resume after logout)
stop_hub; start_hub
login alice >/dev/null
check_eq "after a hub restart the answers are still there" "yes no unknown" \
  "$(get alice /api/v1/scs/answers >/dev/null; jq -r --arg a "$Q1" --arg b "$Q2" --arg c "$Q3" '"\(.answers[$a]) \(.answers[$b]) \(.answers[$c])"' "$TMP/out")"

# ---- all of ★3 answered; the downloaded file assessed by the CLI
get alice /api/v1/scs/answers >/dev/null
jq --slurpfile q "$TMP/q3.json" '.target="★3" | .answers = (reduce $q[0].questions[] as $x ({};
    ($x.n % 3) as $m | (if $m == 0 then "no" elif $m == 1 then "yes" else "unknown" end) as $v |
    if $x.per_level then .[$x.id][($x.level|tostring)] = $v else .[$x.id] = $v end)) | .answers["4-5-1"] = "yes" | .answers["4-1-4"] = "yes"' "$TMP/out" >"$TMP/all.json"
check_eq "PUT every ★3 answer" 200 "$(put alice /api/v1/scs/answers "$TMP/all.json")"
check_eq "GET assessment" 200 "$(get alice /api/v1/scs/assessment)"
cp "$TMP/out" "$TMP/page.json"
check "the assessment has the ladder and the next rung" jq -e '(.ladder|length) >= 3 and has("next")' "$TMP/page.json"
check_eq "the hub's evidence contradicts the yes to 4-5-1 and 4-1-4" "4-1-4 4-5-1" \
  "$(jq -r '[.contradictions[].id] | sort | join(" ")' "$TMP/page.json")"
check_eq "download the answers file" 200 "$(get alice /api/v1/scs/answers)"
cp "$TMP/out" "$TMP/download.json"
stop_hub
"$MAMORI" hub evidence --dir "$H" --tenant a -o "$TMP/ev.json" 2>/dev/null
"$MAMORI" scs assess --answers "$TMP/download.json" --evidence "$TMP/ev.json" --format json --out "$TMP/cli.json" 2>/dev/null
sig() { jq -r '"\(.target) \(.achieved) \(.next) gaps=\(.gaps|length) contradictions=\(.contradictions|length) " + ([.ladder[] | "\(.level):\(.met)/\(.total)"] | join(","))' "$1"; }
check_eq "scs assess on the downloaded file = the page's result" "$(sig "$TMP/page.json")" "$(sig "$TMP/cli.json")"
check_eq "same per-item statuses" "$(jq -c '[.items[] | [.id, .level, .status]]' "$TMP/page.json")" "$(jq -c '[.items[] | [.id, .level, .status]]' "$TMP/cli.json")"
echo "# page: $(sig "$TMP/page.json")"
