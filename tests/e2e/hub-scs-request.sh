#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-scs-request.sh — an SME sends its assessment to a chosen
# registered expert through the hub and the signed confirmation comes back
# (issue 13 "Finding an expert"), with the real binary: send (fields checked
# by type), each expert lists only the requests addressed to it, another
# expert gets 404 for someone else's, an unregistered key is refused (401),
# a forged or misdirected confirmation is refused (400) and leaves the
# request open, the genuine one is verified, stored as the SME's ★ and the
# SME sees "confirmed"; a rejection reaches the SME with its reason.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
export MAMORI_SCS_CATALOGUE=$SRCDIR/data/scs/catalogue.txt
D=$SRCDIR/tests/data/scs
H=$TMP/hub
q() { sqlite3 "$H/hub.db" "$1"; }
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }
call() {
  local m=$1 tok=$2 p=$3; shift 3
  curl -s -o "$TMP/resp" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $tok" "$@" "$URL$p"
}
TODAY=$(TZ=Asia/Tokyo date +%Y-%m-%d)

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id sup-a --name "株式会社みどり精機" --kind sme)
TB=$(tok --id sup-b --name "B工業" --kind sme)
"$MAMORI" hub notify add --dir "$H" --tenant sup-a --email owner@a.example.jp --min-severity critical >/dev/null 2>&1
"$MAMORI" hub notify add --dir "$H" --tenant sup-b --email owner@b.example.jp >/dev/null 2>&1
for k in e1 e2 forger; do "$MAMORI" scs keygen --out "$TMP/$k.key" >/dev/null 2>&1; done
"$MAMORI" hub expert add --dir "$H" --registration-no 012345 --name "山田 太郎" \
  --pubkey "$TMP/e1.key.pub" --valid-until 2099-12-31 >/dev/null 2>&1
"$MAMORI" hub expert add --dir "$H" --registration-no 054321 --name "佐藤 花子" \
  --pubkey "$TMP/e2.key.pub" --valid-until 2099-12-31 >/dev/null 2>&1
"$MAMORI" scs assess --answers "$D/star3.json" --format json --out "$TMP/a3.json" --today "$TODAY" >/dev/null 2>&1

hub_serve "$H" --plain
ex() { "$MAMORI" scs "$@" --hub "$URL"; }
as_e1() { ex "$@" --key "$TMP/e1.key" --registration-no 012345; }
as_e2() { ex "$@" --key "$TMP/e2.key" --registration-no 054321; }

# ---- the SME sends
ex send --token "$TA" --expert 012345 --assessment "$TMP/a3.json" --message "★3 の確認をお願いします" >"$TMP/sent.json" 2>"$TMP/err"
check_eq "send: sup-a to 012345 is request 1, sent" "1 sent $(jget "$TMP/a3.json" "d['target']")" "$(jget "$TMP/sent.json" "str(d['id'])+' '+d['state']+' '+d['target']")"
ex send --token "$TB" --expert 054321 --assessment "$TMP/a3.json" >/dev/null 2>&1
check_eq "send: sup-b to 054321 stored" 2 "$(q 'SELECT count(*) FROM scs_requests')"
A=$(cat "$TMP/a3.json")
bad() { # NAME CODE BODY
  check_eq "refused: $1 ($2)" "$2" "$(call POST "$TA" /api/v1/scs/requests --data-binary "$3")"
}
bad "registration number of 5 digits" 400 "{\"expert\":\"12345\",\"assessment\":$A}"
bad "registration number as a number" 400 "{\"expert\":12345,\"assessment\":$A}"
bad "an expert not registered" 404 "{\"expert\":\"099999\",\"assessment\":$A}"
bad "assessment as a string" 400 '{"expert":"012345","assessment":"★4"}'
bad "assessment without items" 400 '{"expert":"012345","assessment":{"target":"★3","achieved":"★3","items":[],"catalogue":{}}}'
bad "an unknown field" 400 "{\"expert\":\"012345\",\"assessment\":$A,\"tenant\":\"sup-b\"}"
bad "a control character in the message" 400 "{\"expert\":\"012345\",\"assessment\":$A,\"message\":\"a\\u0007b\"}"
bad "not JSON" 400 'expert=012345'
bad "duplicate keys" 400 "{\"expert\":\"054321\",\"expert\":\"012345\",\"assessment\":$A}"
check_eq "nothing stored by a refused send" 2 "$(q 'SELECT count(*) FROM scs_requests')"

# ---- each expert sees only its own
as_e1 requests >"$TMP/l1.json" 2>/dev/null
check_eq "expert 012345 lists only request 1 (from sup-a)" "1 sup-a" "$(jget "$TMP/l1.json" "' '.join(str(r['id'])+' '+r['tenant'] for r in d['requests'])")"
as_e2 requests >"$TMP/l2.json" 2>/dev/null
check_eq "expert 054321 lists only request 2" "2" "$(jget "$TMP/l2.json" "' '.join(str(r['id']) for r in d['requests'])")"
check_rc "expert 054321 cannot read request 1 (exit 2, 404)" 2 as_e2 requests --id 1 --out "$TMP/x.json"
check "... and the hub said 404" bash -c "'$MAMORI' scs requests --hub '$URL' --key '$TMP/e2.key' --registration-no 054321 --id 1 2>&1 | grep -q 'HTTP 404'"
check_rc "an unregistered key claiming 012345 is refused (exit 2)" 2 ex requests --key "$TMP/forger.key" --registration-no 012345
check "... with 401" bash -c "'$MAMORI' scs requests --hub '$URL' --key '$TMP/forger.key' --registration-no 012345 2>&1 | grep -q 'HTTP 401'"
check_eq "a bad expert header is 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Mamori-Expert: 012345 1 00' "$URL/api/v1/scs/requests")"
check_eq "no credentials at all: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/scs/requests")"
check_eq "sup-b cannot read sup-a's request (404)" 404 "$(call GET "$TB" /api/v1/scs/requests/1)"
check_eq "sup-a reads its own request" "200 sent" "$(call GET "$TA" /api/v1/scs/requests/1) $(jget "$TMP/resp" "d['state']")"

# ---- the expert reads, confirms; forgeries refused
check "expert 012345 saves request 1's assessment" as_e1 requests --id 1 --out "$TMP/req1.json"
check_eq "the saved assessment is the one sent" "$(jget "$TMP/a3.json" "d['target']+' '+str(len(d['items']))")" \
  "$(jget "$TMP/req1.json" "d['target']+' '+str(len(d['items']))")"
confirm() { # KEY REGNO TENANT OUT
  "$MAMORI" scs confirm --assessment "$TMP/req1.json" --key "$TMP/$1.key" --expert-name "山田 太郎" \
    --registration-no "$2" --date "$TODAY" --tenant "$3" --out "$TMP/$4" 2>/dev/null
}
confirm e1 012345 sup-a good.json
confirm forger 012345 sup-a forged.json
confirm e1 012345 sup-b other.json
confirm e2 054321 sup-a e2.json
sed 's/"012345"/"012346"/' "$TMP/good.json" >"$TMP/tampered.json"
check_rc "a confirmation signed with an unregistered key is refused (exit 2)" 2 as_e1 reply --id 1 --confirmed "$TMP/forged.json"
check "... the reason: not a registered expert's key" bash -c "'$MAMORI' scs reply --hub '$URL' --key '$TMP/e1.key' --registration-no 012345 --id 1 --confirmed '$TMP/forged.json' 2>&1 | grep -q 'registered expert'"
check_rc "a confirmation made for sup-b is refused for sup-a's request" 2 as_e1 reply --id 1 --confirmed "$TMP/other.json"
check_rc "an altered confirmation is refused" 2 as_e1 reply --id 1 --confirmed "$TMP/tampered.json"
check_rc "another expert's confirmation sent by 012345 is refused (403)" 2 as_e1 reply --id 1 --confirmed "$TMP/e2.json"
check_rc "expert 054321 cannot answer request 1 (404)" 2 as_e2 reply --id 1 --confirmed "$TMP/e2.json"
check_eq "after the refusals: still sent, no confirmation stored, nobody told" "0 0 0" \
  "$(q 'SELECT state FROM scs_requests WHERE id=1') $(q 'SELECT count(*) FROM scs_confirmations') $(q 'SELECT count(*) FROM outbox')"
as_e1 reply --id 1 --confirmed "$TMP/good.json" >"$TMP/ok.json" 2>"$TMP/err"
check_eq "the genuine confirmation: verified, ★3 for sup-a" "confirmed sup-a ★3" \
  "$(jget "$TMP/ok.json" "d['state']+' '+d['tenant']+' '+d['confirmed']")"
check_eq "sup-a is told once, in Japanese first" "1 [mamori] SCS 確認の依頼 #1: 確認されました / SCS request #1: confirmed" \
  "$(q "SELECT count(*) FROM outbox WHERE tenant='sup-a'") $(q "SELECT subject FROM outbox WHERE tenant='sup-a'")"
check_rc "answering twice: refused (409, exit 2)" 2 as_e1 reply --id 1 --confirmed "$TMP/good.json"
ex requests --token "$TA" >"$TMP/mine.json" 2>/dev/null
check_eq "sup-a sees its request confirmed" "1 confirmed" "$(jget "$TMP/mine.json" "' '.join(str(r['id'])+' '+r['state'] for r in d['requests'])")"
check_eq "sup-a's confirmation is stored as its own" "200 ★3 012345" \
  "$(call GET "$TA" /api/v1/scs/confirmation) $(jget "$TMP/resp" "d['confirmed']+' '+d['expert_registration_no']")"

# ---- a rejection with its reason
check "expert 054321 declines request 2" as_e2 reply --id 2 --reject "証拠が足りません。ログの保存期間を確認してください"
check_rc "a rejection without a reason is refused" 2 as_e2 reply --id 2 --reject ""
ex requests --token "$TB" --id 2 >"$TMP/b2.json" 2>/dev/null
check_eq "sup-b sees rejected, with the reason" "rejected 証拠が足りません。ログの保存期間を確認してください" \
  "$(jget "$TMP/b2.json" "d['state']+' '+d['reason']")"
check "sup-b is told, with the reason" bash -c "sqlite3 '$H/hub.db' \"SELECT body FROM outbox WHERE tenant='sup-b'\" | grep -q 'ログの保存期間'"
check_eq "sup-b has no confirmation" 404 "$(call GET "$TB" /api/v1/scs/confirmation)"
kill "${PIDS[0]}" 2>/dev/null; wait "${PIDS[0]}" 2>/dev/null
