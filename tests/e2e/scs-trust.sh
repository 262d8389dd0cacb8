#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/scs-trust.sh — the ★ chain of trust (issue 12 §1) with the real
# binary and curl: the expert and assessor registries (add, CSV import all
# or nothing with line-numbered errors), then each attack on a confirmation
# reproduced and refused with its reason — a forged (unregistered) key, a
# confirmation replayed to another tenant, a 2099 date, every item "no"
# signed as ★4, ★4 without an assessor, a confirmation older than the
# scheme's validity, a lapsed expert registration — and the genuine ★3 and
# ★4 accepted, with the buyer seeing who confirmed, when and until when.
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
err() { jget "$TMP/resp" "d['error']"; }
TODAY=$(TZ=Asia/Tokyo date +%Y-%m-%d)
DAYSAGO() { TZ=Asia/Tokyo date -d "$1 days ago" +%Y-%m-%d; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id sup-a --name "株式会社みどり精機" --kind sme)
TB=$(tok --id sup-b --name "B工業" --kind sme)
TX=$(tok --id buyer --name "Big Buyer" --kind buyer)
"$MAMORI" hub link --dir "$H" sup-a buyer --disclose >/dev/null 2>&1
"$MAMORI" hub link --dir "$H" sup-b buyer --disclose >/dev/null 2>&1

# ---- keys: a registered expert, a forger, a registered assessor, a lapsed expert
for k in expert forger assessor lapsed; do "$MAMORI" scs keygen --out "$TMP/$k.key" >/dev/null 2>&1; done

# ---- registry
check "expert add" "$MAMORI" hub expert add --dir "$H" --registration-no 012345 --name "山田 太郎" \
  --pubkey "$TMP/expert.key.pub" --valid-until 2099-12-31 --region 大阪 --industry 製造 --industry 物流 \
  --theme ★3確認 --contact yamada@example.jp
check_rc "expert add: bad registration number (exit 2)" 2 "$MAMORI" hub expert add --dir "$H" \
  --registration-no 12345 --name X --pubkey "$TMP/forger.key.pub"
check_rc "expert add: not a key (exit 2)" 2 "$MAMORI" hub expert add --dir "$H" \
  --registration-no 054321 --name X --pubkey "$D/star3.json"
check "assessor add" "$MAMORI" hub assessor add --dir "$H" --assessor-id JQA-001 --name "第三者評価機構" \
  --pubkey "$TMP/assessor.key.pub" --valid-until 2099-12-31
{
  echo "registration_no,name,public_key,valid_from,valid_until,region,industries,themes,contact"
  echo "054321,佐藤 花子,$(cat "$TMP/lapsed.key.pub"),2020-01-01,2021-12-31,東京,建設,★3確認,sato@example.jp"
  echo "011111,\"鈴木, 一郎\",$(cat "$TMP/forger.key.pub"),,,名古屋,製造,ASM,"
  echo "22222,bad,$(cat "$TMP/forger.key.pub"),,,,,,"
} >"$TMP/bad.csv"
"$MAMORI" hub expert import --dir "$H" --csv "$TMP/bad.csv" >/dev/null 2>"$TMP/imp.err"
check_eq "import: a bad line refuses the whole file (exit 2)" 2 "$?"
check "import: the error names the file and line 4" grep -q "bad.csv:4:.*6 digits" "$TMP/imp.err"
check_eq "import: nothing stored (all or nothing)" 1 "$(q 'SELECT count(*) FROM scs_registry WHERE role=0')"
head -2 "$TMP/bad.csv" >"$TMP/good.csv"
check "import: the good lines" "$MAMORI" hub expert import --dir "$H" --csv "$TMP/good.csv"
check_eq "import: 2 experts registered" 2 "$(q 'SELECT count(*) FROM scs_registry WHERE role=0')"
"$MAMORI" hub expert list --dir "$H" --json >"$TMP/list.json"
check_eq "list: industries joined" "製造;物流" \
  "$(python3 -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1])][0]['industries'])" "$TMP/list.json")"

# ---- confirmations
assess() { "$MAMORI" scs assess --answers "$D/$1.json" --format json --out "$TMP/$2" --today "$TODAY"; }
assess star3 a3.json
assess star4 a4.json
confirm() { # KEY REGNO DATE TENANT ASSESSMENT OUT
  "$MAMORI" scs confirm --assessment "$TMP/$5" --key "$TMP/$1.key" --expert-name "山田 太郎" \
    --registration-no "$2" --date "$3" ${4:+--tenant "$4"} --out "$TMP/$6" 2>/dev/null
}
confirm expert 012345 "$TODAY" sup-a a3.json c3.json
confirm forger 012345 "$TODAY" sup-a a3.json forged.json
confirm expert 012345 2099-01-01 sup-a a3.json future.json
confirm expert 012345 "$(DAYSAGO 400)" sup-a a3.json old.json
confirm expert 012345 "$TODAY" "" a3.json notenant.json
confirm lapsed 054321 "$TODAY" sup-a a3.json lapsed.json
confirm expert 012345 "$TODAY" sup-a a4.json c4.json
# every item "no", yet "achieved": "★4" — signed by the registered expert
python3 - "$TMP/a3.json" "$TMP/allno.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for it in d["items"]:
    it["answer"], it["status"], it["met"] = "no", "not_met", False
d["achieved"] = "★4"
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
EOF
confirm expert 012345 "$TODAY" sup-a allno.json allno-c.json
"$MAMORI" scs countersign --confirmed "$TMP/c4.json" --key "$TMP/assessor.key" --assessor-name "第三者評価機構" \
  --assessor-id JQA-001 --date "$TODAY" --tenant sup-a --out "$TMP/c4a.json" 2>/dev/null
"$MAMORI" scs countersign --confirmed "$TMP/c4.json" --key "$TMP/forger.key" --assessor-name "偽機構" \
  --assessor-id FAKE-1 --date "$TODAY" --tenant sup-a --out "$TMP/c4f.json" 2>/dev/null
check "every forged file still verifies on its own key (the attack is real)" \
  "$MAMORI" scs verify "$TMP/forged.json"
check "the countersigned ★4 verifies (both signatures)" "$MAMORI" scs verify "$TMP/c4a.json"
sed 's/"JQA-001"/"JQA-002"/' "$TMP/c4a.json" >"$TMP/c4x.json"
check_rc "an altered assessor id breaks the countersignature (exit 1)" 1 "$MAMORI" scs verify "$TMP/c4x.json"

hub_serve "$H" --plain

refused() { # NAME TOKEN FILE PATTERN
  local code; code=$(call POST "$2" /api/v1/scs/confirmation --data-binary @"$TMP/$3")
  check_eq "$1: 400" 400 "$code"
  if err | grep -q "$4"; then ok "$1: reason given"; else fail "$1: reason given" "$(err)"; fi
}
refused "forged key (unregistered)" "$TA" forged.json "not signed by a registered expert's key"
refused "tenant A's confirmation replayed by tenant B" "$TB" c3.json "made for tenant 'sup-a', not 'sup-b'"
refused "dated 2099" "$TA" future.json "2099-01-01 is in the future"
refused "every item no, signed achieved ★4" "$TA" allno-c.json "signed achieved level ★4 does not follow from the signed answers (they give none)"
refused "★4 without an assessor" "$TA" c4.json "★4 needs the countersignature of a registered third-party assessor"
refused "★4 countersigned by an unregistered assessor" "$TA" c4f.json "not signed by a registered assessor's key"
refused "older than the scheme's validity (400 days)" "$TA" old.json "older than the scheme's validity of 365 days"
refused "expert whose registration lapsed in 2021" "$TA" lapsed.json "is not registered for that date"
refused "no tenant named" "$TA" notenant.json "does not name the tenant"
check_eq "nothing stored by any refused attempt" 0 "$(q 'SELECT count(*) FROM scs_confirmations')"

check_eq "genuine ★3 for sup-a: 200" 200 "$(call POST "$TA" /api/v1/scs/confirmation --data-binary @"$TMP/c3.json")"
VU3=$(TZ=Asia/Tokyo date -d "$TODAY + 365 days" +%Y-%m-%d)
check_eq "reply: ★3 valid until date + 365 days" "★3 $VU3" "$(jget "$TMP/resp" "d['confirmed']+' '+d['valid_until']")"
check_eq "genuine ★4 countersigned by the registered assessor: 200" 200 \
  "$(call POST "$TA" /api/v1/scs/confirmation --data-binary @"$TMP/c4a.json")"
VU4=$(TZ=Asia/Tokyo date -d "$TODAY + 1095 days" +%Y-%m-%d)
call PUT "$TX" /api/v1/scs/requirements/sup-a --data '{"level":"★4"}' >/dev/null
call GET "$TX" /api/v1/scs/suppliers >/dev/null
check_eq "buyer sees who confirmed, when, until when, and the assessor" \
  "★4 山田 太郎 012345 $TODAY $VU4 第三者評価機構 JQA-001 True" \
  "$(jget "$TMP/resp" "' '.join(str(x) for x in [d['suppliers'][0][k] for k in ['confirmed','expert_name','expert_registration_no','confirmed_date','valid_until','assessor_name','assessor_id','meets']])")"
check_eq "sup-b (nothing accepted) shows no confirmation" "None False" \
  "$(jget "$TMP/resp" "str(d['suppliers'][1]['confirmed'])+' '+str(d['suppliers'][1]['expired'])")"
# a stored confirmation whose validity has run out is shown as lapsed, not met
q "UPDATE scs_confirmation_trust SET valid_until='2026-01-01'"
call GET "$TX" /api/v1/scs/suppliers >/dev/null
check_eq "a lapsed confirmation: expired, not met" "True False" \
  "$(jget "$TMP/resp" "str(d['suppliers'][0]['expired'])+' '+str(d['suppliers'][0]['meets'])")"
check "lapsed: the buyer's text says so" grep -q "2026-01-01 に期限切れ" "$TMP/resp"
check_rc "cli submit: the forged file refused too (exit 2)" 2 "$MAMORI" hub scs submit --dir "$H" --tenant sup-a "$TMP/forged.json"

# ---- finding an expert: the directory (scs experts)
"$MAMORI" hub expert add --dir "$H" --registration-no 077777 --name "大阪 一郎" --pubkey "$TMP/forger.key.pub" \
  --region 大阪府 --industry 製造 --theme ★3確認 --theme ASM --contact osaka@example.jp >/dev/null
"$MAMORI" scs experts --dir "$H" --region 大阪 --industry 製造 --theme ★3確認 --format json >"$TMP/dir.json" 2>/dev/null
check_eq "scs experts --region 大阪 --industry 製造 --theme ★3確認: the two matching, valid today" "012345,077777" \
  "$(python3 -c "import json,sys; print(','.join(e['registration_no'] for e in json.load(open(sys.argv[1]))))" "$TMP/dir.json")"
"$MAMORI" scs experts --dir "$H" --region 東京 >"$TMP/dir.txt" 2>/dev/null
check_eq "the expert whose registration lapsed (東京, 2021) is not listed" 2 "$(wc -l <"$TMP/dir.txt")"
"$MAMORI" scs experts --hub "$URL" --token "$TB" --theme ASM >"$TMP/dir2.txt" 2>/dev/null
check "through the hub's API (any tenant): the table names the expert and the contact" \
  grep -q "^077777 大阪 一郎 / 大阪府 / 製造 / ★3確認;ASM / osaka@example.jp / -" "$TMP/dir2.txt"
check_rc "scs experts without --dir or --hub: exit 2" 2 "$MAMORI" scs experts --region 大阪
