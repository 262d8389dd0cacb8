#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-scs.sh — the hub's SCS buyer view end to end with the real
# binary and curl: a real ★3 confirmation made with `mamori scs keygen /
# assess / confirm`, submitted by the supplier (200), the same file altered
# by one byte (400, nothing stored), a buyer's ★4 then ★3 requirement
# against it, the 403 for a buyer that is not the customer, tenant
# isolation, and the CLI paths (scs submit / require / status).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
export MAMORI_SCS_CATALOGUE=$SRCDIR/data/scs/catalogue.txt
D=$SRCDIR/tests/data/scs
H=$TMP/hub
q() { sqlite3 "$H/hub.db" "$1"; }
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }
# call METHOD TOKEN PATH [curl args...] -> prints the status; body in $TMP/resp
call() {
  local m=$1 tok=$2 p=$3; shift 3
  curl -s -o "$TMP/resp" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $tok" "$@" "$URL$p"
}

check "init" "$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TS=$(tok --id sup1 --name "株式会社みどり精機" --kind sme)
T2=$(tok --id sup2 --name "Hidden Works" --kind sme)
TB=$(tok --id buyer1 --name "Big Buyer" --kind buyer)
TO=$(tok --id buyer2 --name "Other Buyer" --kind buyer)
check "link sup1 -> buyer1 (disclose)" "$MAMORI" hub link --dir "$H" sup1 buyer1 --disclose
check "link sup2 -> buyer1" "$MAMORI" hub link --dir "$H" sup2 buyer1
check "link sup2 -> buyer2" "$MAMORI" hub link --dir "$H" sup2 buyer2

# ---- a real ★3 confirmation
# the hub accepts only registered keys (chain of trust, tests/e2e/scs-trust.sh)
D1=$(TZ=Asia/Tokyo date -d '16 days ago' +%Y-%m-%d)
D2=$(TZ=Asia/Tokyo date -d '15 days ago' +%Y-%m-%d)
for k in expert expert2 assessor; do "$MAMORI" scs keygen --out "$TMP/$k.key" >/dev/null 2>&1; done
"$MAMORI" hub expert add --dir "$H" --registration-no 012345 --name "山田 太郎" --pubkey "$TMP/expert.key.pub" >/dev/null
"$MAMORI" hub expert add --dir "$H" --registration-no 054321 --name "山田 太郎" --pubkey "$TMP/expert2.key.pub" >/dev/null
"$MAMORI" hub assessor add --dir "$H" --assessor-id A-1 --name "評価機構" --pubkey "$TMP/assessor.key.pub" >/dev/null
"$MAMORI" scs assess --answers "$D/star3.json" --format json --out "$TMP/a3.json"
"$MAMORI" scs confirm --assessment "$TMP/a3.json" --key "$TMP/expert.key" \
  --expert-name "山田 太郎" --registration-no 012345 --date "$D1" --tenant sup1 --out "$TMP/c3.json" 2>/dev/null
check "the confirmation verifies with the scs module" "$MAMORI" scs verify "$TMP/c3.json"
check_eq "it is a ★3 confirmation" "★3" "$(jget "$TMP/c3.json" "d['assessment']['achieved']")"
sed 's/"employees":42/"employees":43/' "$TMP/c3.json" >"$TMP/bad.json"
check_eq "the altered copy differs in exactly one byte" 1 "$(cmp -l "$TMP/c3.json" "$TMP/bad.json" | wc -l)"

hub_serve "$H" --plain

check_eq "buyer view before anything: sup1 and sup2, nothing required" "sup1 None None|sup2 None None" \
  "$(call GET "$TB" /api/v1/scs/suppliers >/dev/null; jget "$TMP/resp" "'|'.join(f\"{s['supplier']} {s['required']} {s['confirmed']}\" for s in d['suppliers'])")"
check_eq "401 without a token" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/scs/suppliers")"

# ---- submit
check_eq "altered by one byte: 400" 400 "$(call POST "$TS" /api/v1/scs/confirmation --data-binary @"$TMP/bad.json")"
check_eq "altered: nothing stored" 0 "$(q 'SELECT count(*) FROM scs_confirmations')"
check_eq "not a confirmation at all: 400" 400 "$(call POST "$TS" /api/v1/scs/confirmation --data-binary @"$TMP/a3.json")"
check_eq "real confirmation: 200" 200 "$(call POST "$TS" /api/v1/scs/confirmation --data-binary @"$TMP/c3.json")"
check_eq "reply names the supplier and ★3" "sup1 ★3" "$(jget "$TMP/resp" "d['supplier']+' '+d['confirmed']")"
check_eq "one row stored, under the calling tenant" "sup1|★3|012345|$D1" \
  "$(q "SELECT supplier,achieved,registration_no,confirmed_date FROM scs_confirmations")"
check_eq "the document is stored as sent" "$(sha256sum <"$TMP/c3.json" | cut -d' ' -f1)" \
  "$(q "SELECT document FROM scs_confirmations" | head -c "$(wc -c <"$TMP/c3.json")" | sha256sum | cut -d' ' -f1)"

# ---- requirements
check_eq "buyer1 requires ★4 of sup1: 200" 200 "$(call PUT "$TB" /api/v1/scs/requirements/sup1 --data '{"level":"★4"}')"
call GET "$TB" /api/v1/scs/suppliers >/dev/null
cp "$TMP/resp" "$TMP/v4.json"
check_eq "★4 required, ★3 confirmed: not met" "★4 ★3 False" \
  "$(jget "$TMP/v4.json" "' '.join(str(x) for x in [d['suppliers'][0]['required'], d['suppliers'][0]['confirmed'], d['suppliers'][0]['meets']])")"
check_eq "status text (ja)" "要求 ★4 に対し確認済み ★3：未達" "$(jget "$TMP/v4.json" "d['suppliers'][0]['status_ja']")"
check_eq "status text (en)" "required ★4, confirmed ★3: not met" "$(jget "$TMP/v4.json" "d['suppliers'][0]['status_en']")"
check_eq "disclosed supplier shows its name and the expert's number" "株式会社みどり精機 012345 $D1" \
  "$(jget "$TMP/v4.json" "' '.join([d['suppliers'][0]['name'], d['suppliers'][0]['expert_registration_no'], d['suppliers'][0]['confirmed_date']])")"
check_eq "undisclosed supplier: id only, no name" "sup2 None None" \
  "$(jget "$TMP/v4.json" "' '.join(str(x) for x in [d['suppliers'][1]['supplier'], d['suppliers'][1]['name'], d['suppliers'][1]['meets']])")"
check_eq "buyer1 requires ★3 of sup1: 200" 200 "$(call PUT "$TB" /api/v1/scs/requirements/sup1 --data '{"level":"★3"}')"
call GET "$TB" /api/v1/scs/suppliers >/dev/null
check_eq "★3 required, ★3 confirmed: met" "True required ★3, confirmed ★3: met" \
  "$(jget "$TMP/resp" "str(d['suppliers'][0]['meets'])+' '+d['suppliers'][0]['status_en']")"
check_eq "another buyer cannot set a level for sup1: 403" 403 \
  "$(call PUT "$TO" /api/v1/scs/requirements/sup1 --data '{"level":"★4"}')"
check_eq "a supplier cannot set a level for a non-supplier: 403" 403 \
  "$(call PUT "$TS" /api/v1/scs/requirements/buyer1 --data '{"level":"★3"}')"
check_eq "403: nothing stored for buyer2" 0 "$(q "SELECT count(*) FROM scs_requirements WHERE buyer='buyer2'")"
check_eq "bad level: 400" 400 "$(call PUT "$TB" /api/v1/scs/requirements/sup1 --data '{"level":"★5"}')"
check_eq "requirement still ★3" "★3" "$(q "SELECT level FROM scs_requirements WHERE buyer='buyer1' AND supplier='sup1'")"

# ---- isolation
call GET "$TO" /api/v1/scs/suppliers >/dev/null
check_eq "buyer2 sees only its own supplier sup2, not sup1's level" "sup2 None None" \
  "$(jget "$TMP/resp" "'|'.join(f\"{s['supplier']} {s['required']} {s['confirmed']}\" for s in d['suppliers'])")"
call GET "$TS" /api/v1/scs/suppliers >/dev/null
check_eq "the supplier reads no buyer's view (its own, empty)" "sup1 0" \
  "$(jget "$TMP/resp" "d['buyer']+' '+str(len(d['suppliers']))")"
check_eq "wrong method: 405" 405 "$(call PUT "$TS" /api/v1/scs/confirmation)"

# ---- CLI paths, latest confirmation wins
check_rc "cli: altered file refused (exit 2)" 2 "$MAMORI" hub scs submit --dir "$H" --tenant sup2 "$TMP/bad.json"
"$MAMORI" scs assess --answers "$D/star4.json" --format json --out "$TMP/a4.json"
"$MAMORI" scs confirm --assessment "$TMP/a4.json" --key "$TMP/expert2.key" \
  --expert-name "山田 太郎" --registration-no 054321 --date "$D2" --tenant sup1 --out "$TMP/c4e.json" 2>/dev/null
"$MAMORI" scs countersign --confirmed "$TMP/c4e.json" --key "$TMP/assessor.key" --assessor-name "評価機構" \
  --assessor-id A-1 --date "$D2" --tenant sup1 --out "$TMP/c4.json" 2>/dev/null
check "cli: submit a ★4 confirmation for sup1" "$MAMORI" hub scs submit --dir "$H" --tenant sup1 "$TMP/c4.json"
check_eq "history kept: two confirmations" 2 "$(q "SELECT count(*) FROM scs_confirmations WHERE supplier='sup1'")"
check "cli: require ★4 of sup1" "$MAMORI" hub scs require --dir "$H" --buyer buyer1 --supplier sup1 --level 4
check_rc "cli: require of a non-supplier refused (exit 2)" 2 "$MAMORI" hub scs require --dir "$H" --buyer buyer2 --supplier sup1 --level 4
check_rc "cli: bad level (exit 2)" 2 "$MAMORI" hub scs require --dir "$H" --buyer buyer1 --supplier sup1 --level 5
"$MAMORI" hub scs status --dir "$H" --buyer buyer1 >"$TMP/st.txt"
check "cli status: Japanese-first table, latest ★4 meets ★4" grep -q '要求 ★4 に対し確認済み ★4：達成 / required ★4, confirmed ★4: met' "$TMP/st.txt"
"$MAMORI" hub scs status --dir "$H" --buyer buyer1 --json >"$TMP/st.json"
check_eq "cli status --json: latest confirmation (054321) wins" "★4 054321 True" \
  "$(jget "$TMP/st.json" "' '.join(str(x) for x in [d['suppliers'][0]['confirmed'], d['suppliers'][0]['expert_registration_no'], d['suppliers'][0]['meets']])")"
call GET "$TB" /api/v1/scs/suppliers >/dev/null
check_eq "the running server sees the CLI's changes" "★4 ★4 True" \
  "$(jget "$TMP/resp" "' '.join(str(x) for x in [d['suppliers'][0]['required'], d['suppliers'][0]['confirmed'], d['suppliers'][0]['meets']])")"
