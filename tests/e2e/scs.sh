#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/scs.sh — `mamori scs` end to end with the real binary: the three
# answer sets, input errors, evidence contradiction, renewal, confirm/verify
# with a tampered byte, and the HTML report rendered by headless Chromium.
set -u
. "$(dirname "$0")/lib.sh"
D=$SRCDIR/tests/data/scs
CAT=$SRCDIR/data/scs/catalogue.txt
export MAMORI_SCS_CATALOGUE=$CAT

# jget FILE EXPR: evaluates a Python expression on the JSON document `d`.
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

check "mamori help lists scs" bash -c "'$MAMORI' help | grep -q '^  scs '"
check "mamori scs --help shows the subcommands" bash -c "'$MAMORI' scs --help | grep -q 'mamori scs verify FILE'"
err_nohelp() { "$MAMORI" scs frobnicate 2>&1 | grep -q "unknown subcommand 'frobnicate'"; }
check "unknown subcommand named" err_nohelp
check_rc "unknown subcommand: exit 2" 2 "$MAMORI" scs frobnicate

# ---- catalogue -------------------------------------------------------------
"$MAMORI" scs catalogue --format json >"$TMP/cat.json"
check_eq "catalogue: 26 published IDs" 26 "$(jget "$TMP/cat.json" "len({i['id'] for i in d['items'] if i['level'] >= 3})")"
check_eq "catalogue: 29 criteria (3 stricter at ★4)" 29 "$(jget "$TMP/cat.json" "len([i for i in d['items'] if i['level'] >= 3])")"
check_eq "catalogue: SECURITY ACTION ★1 6 items, ★2 26 more" "6 26" \
  "$(jget "$TMP/cat.json" "' '.join(str(len([i for i in d['items'] if i['level'] == l])) for l in (1, 2))")"
check_eq "catalogue says it is partial" True "$(jget "$TMP/cat.json" "d['partial']")"
check_eq "catalogue --level 3 lists 16 criteria" 16 \
  "$("$MAMORI" scs catalogue --level 3 --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
n=$("$MAMORI" scs catalogue | grep -cE '^[1-9]-[0-9]-[0-9] ')
check_eq "catalogue table has 29 rows" 29 "$n"

# ---- the three answer sets ------------------------------------------------------
for set in star3:★3 none:none star4:★4; do
  f=${set%%:*}; want=${set#*:}
  "$MAMORI" scs assess --answers "$D/$f.json" --format json --out "$TMP/$f.json"
  check_eq "assess $f.json achieves $want" "$want" "$(jget "$TMP/$f.json" "d['achieved']")"
done
check_eq "star3: per-level answer keeps 5-1-1 ★3 met" met \
  "$(jget "$TMP/star3.json" "[i['status'] for i in d['items'] if i['id']=='5-1-1' and i['level']==3][0]")"
check_eq "star3: 5-1-1 stricter ★4 criterion not met" not_met \
  "$(jget "$TMP/star3.json" "[i['status'] for i in d['items'] if i['id']=='5-1-1' and i['level']==4][0]")"
check_eq "none: the one gap is 6-1-1 and needs non-IT help" "6-1-1 non-it procedure" \
  "$(jget "$TMP/none.json" "' '.join([d['gaps'][0]['id'], d['gaps'][0]['closable_with'], d['gaps'][0]['help']])")"
check_eq "none: suggested tier SCS★3+ (no on-site responder)" "SCS★3+" "$(jget "$TMP/none.json" "d['tier']['name']")"
check_eq "star4: suggested tier SCS★4" "SCS★4" "$(jget "$TMP/star4.json" "d['tier']['name']")"
check_ge "star3: gap list has IT and non-IT items with next steps" 2 \
  "$(jget "$TMP/star3.json" "len({g['closable_with'] for g in d['gaps'] if g['next_ja'] and g['next_en']})")"
"$MAMORI" scs assess --answers "$D/none.json" >"$TMP/none.txt"
check "text report (ja) says no level yet" grep -q '達成: 未達成' "$TMP/none.txt"
"$MAMORI" scs assess --answers "$D/none.json" --lang en >"$TMP/none-en.txt"
check "text report (en) names the gap's next step" grep -q 'Next step: Put on one page what to do' "$TMP/none-en.txt"

"$MAMORI" scs assess --answers "$SRCDIR/docs/scs-answers.example.json" \
  --evidence "$SRCDIR/docs/scs-evidence.example.json" --format json --out "$TMP/doc.json" 2>/dev/null
check_eq "documented example answers + evidence: 3 gaps, no level" "none 3" \
  "$(jget "$TMP/doc.json" "d['achieved'] + ' ' + str(len(d['gaps']))")"

# ---- input errors: exit 2 with a clear message ------------------------------------
err_rc() { # NAME RC WANT_REGEX CMD...: exit RC and stderr matches
  local name=$1 wrc=$2 want=$3; shift 3; local rc=0
  "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  if [ "$rc" = "$wrc" ] && grep -qE "$want" "$TMP/err"; then ok "$name"
  else fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"; fi
}
err_case() { local n=$1; shift; err_rc "$n" 2 "$@"; }
err_case "unknown requirement ID: exit 2, file:line and the ID" \
  'unknown-id\.json:[0-9]+: .*unknown requirement ID "9-9-9"' \
  "$MAMORI" scs assess --answers "$D/unknown-id.json"
err_case "malformed JSON: exit 2 with line:col" 'malformed\.json:1:[0-9]+: .*malformed JSON' \
  "$MAMORI" scs assess --answers "$D/malformed.json"
err_case "duplicate ID in answers: exit 2" 'duplicate-answer\.json:6:[0-9]+: .*duplicate key' \
  "$MAMORI" scs assess --answers "$D/duplicate-answer.json"
# a catalogue copy with 4-5-2 defined twice
cp "$CAT" "$TMP/dup.txt"
printf '\n[item 4-5-2]\ncategory = protect\n' >>"$TMP/dup.txt"
line=$(grep -n '^\[item 4-5-2\]' "$TMP/dup.txt" | tail -1 | cut -d: -f1)
first=$(grep -n '^\[item 4-5-2\]' "$TMP/dup.txt" | head -1 | cut -d: -f1)
err_case "duplicate ID in a catalogue copy: exit 2 at file:line" \
  "dup\.txt:$line: .*duplicate item ID 4-5-2 \(first at line $first\)" \
  "$MAMORI" scs assess --catalogue "$TMP/dup.txt" --answers "$D/star3.json"
sed 's/^category = detect$/category = detection/' "$CAT" >"$TMP/badcat.txt"
line=$(grep -n '^category = detection' "$TMP/badcat.txt" | head -1 | cut -d: -f1)
err_case "unknown category in a catalogue copy: exit 2 at file:line" \
  "badcat\.txt:$line: .*unknown category 'detection'" \
  "$MAMORI" scs catalogue --catalogue "$TMP/badcat.txt"
err_case "unknown option: exit 2" "unknown option '--colour'" "$MAMORI" scs assess --colour red
err_rc "missing answers file: exit 1 (I/O), names the file" 1 'nope\.json: .*cannot open' \
  "$MAMORI" scs assess --answers "$TMP/nope.json"

# ---- evidence -----------------------------------------------------------------------
"$MAMORI" scs assess --answers "$D/none.json" --evidence "$D/evidence-contradicts.json" \
  --format json --out "$TMP/contra.json" 2>"$TMP/contra.err"
check_eq "contradictions listed: 4-5-2 and 5-1-1" "4-5-2 5-1-1" \
  "$(jget "$TMP/contra.json" "' '.join(c['id'] for c in d['contradictions'])")"
check_eq "contradicted item is not met (not flipped)" "contradicted False" \
  "$(jget "$TMP/contra.json" "' '.join(str(x) for x in [[i['status'], i['met']] for i in d['items'] if i['id']=='5-1-1' and i['level']==3][0])")"
"$MAMORI" scs assess --answers "$D/none.json" --evidence "$D/evidence-contradicts.json" >"$TMP/contra.txt" 2>/dev/null
check "text report shows the contradiction with its reason" \
  grep -q '\[sensor:aoba\] 反証: 直近 30 日間、netfilter/fortigate/kv のログが1件も届いていません' "$TMP/contra.txt"
check_eq "contradiction reason names the missing logs" 1 \
  "$(jget "$TMP/contra.json" "int(any('netfilter/fortigate/kv' in f['reason_en'] for c in d['contradictions'] for f in c['findings']))")"
"$MAMORI" scs assess --answers "$D/star3.json" --evidence "$D/evidence-good.json" \
  --format json --out "$TMP/support.json" 2>/dev/null
check_eq "unanswered 4-4-3 met by evidence (flagged)" met_by_evidence \
  "$(jget "$TMP/support.json" "[i['status'] for i in d['items'] if i['id']=='4-4-3'][0]")"
check_eq "evidence digest recorded" 64 "$(jget "$TMP/support.json" "len(d['evidence'][0]['sha256'])")"

# ---- renewal --------------------------------------------------------------------------
"$MAMORI" scs assess --answers "$D/star4-previous-answers.json" --format json --out "$TMP/prev.json"
"$MAMORI" scs assess --answers "$D/star4-regressed.json" --previous "$TMP/prev.json" --format json --out "$TMP/ren.json"
check_eq "renewal: became met / regressed / still open" "6-1-1|4-4-1|4-3-2" \
  "$(jget "$TMP/ren.json" "'|'.join(','.join(e['id'] for e in d['renewal'][k]) for k in ('became_met','regressed','still_open'))")"

# ---- expert confirmation ------------------------------------------------------------------
pub=$("$MAMORI" scs keygen --out "$TMP/expert.key" 2>/dev/null)
check_eq "keygen: secret key file is 0600" 600 "$(stat -c %a "$TMP/expert.key")"
check_eq "keygen: public key printed and written" "$pub" "$(cat "$TMP/expert.key.pub")"
check_rc "keygen refuses to overwrite" 1 "$MAMORI" scs keygen --out "$TMP/expert.key"
"$MAMORI" scs assess --answers "$D/star3.json" --evidence "$D/evidence-good.json" --format json --out "$TMP/a.json" 2>/dev/null
check_rc "confirm" 0 "$MAMORI" scs confirm --assessment "$TMP/a.json" --key "$TMP/expert.key" \
  --expert-name "山田 太郎" --registration-no 012345 --date 2026-11-21 --out "$TMP/c.json"
check_rc "confirm rejects a 5-digit registration number" 2 "$MAMORI" scs confirm --assessment "$TMP/a.json" \
  --key "$TMP/expert.key" --expert-name x --registration-no 12345 --out "$TMP/x.json"
check_rc "verify: valid (exit 0)" 0 "$MAMORI" scs verify "$TMP/c.json" --pubkey "$TMP/expert.key.pub"
"$MAMORI" scs keygen --out "$TMP/other.key" >/dev/null 2>&1
check_rc "verify: another expert's key (exit 1)" 1 "$MAMORI" scs verify "$TMP/c.json" --pubkey "$TMP/other.key.pub"
# flip one byte inside the organisation name (still valid JSON)
off=$(grep -bo 'みどり' "$TMP/c.json" | head -1 | cut -d: -f1)
cp "$TMP/c.json" "$TMP/t.json"
python3 - "$TMP/t.json" "$((off + 2))" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[off] ^= 0x01; open(p, "wb").write(b)
EOF
check_eq "tampered file differs from the signed one by one byte" 1 "$(cmp -l "$TMP/c.json" "$TMP/t.json" | wc -l)"
rc=0; "$MAMORI" scs verify "$TMP/t.json" 2>"$TMP/verr" || rc=$?
check_eq "verify: one byte altered → invalid (exit 1)" 1 "$rc"
check "verify says why" grep -q 'altered after confirmation' "$TMP/verr"
# any single byte anywhere: never valid
bad=0; size=$(stat -c %s "$TMP/c.json")
for off in 0 1 17 $((size / 3)) $((size / 2)) $((size - 90)) $((size - 2)) $((size - 1)); do
  cp "$TMP/c.json" "$TMP/t2.json"
  python3 -c "import sys; p=sys.argv[1]; o=int(sys.argv[2]); b=bytearray(open(p,'rb').read()); b[o]^=0x04; open(p,'wb').write(b)" "$TMP/t2.json" "$off"
  "$MAMORI" scs verify "$TMP/t2.json" >/dev/null 2>&1 && bad=$((bad + 1))
done
check_eq "verify: no single-byte change at 8 offsets verifies" 0 "$bad"
check_rc "verify: an unconfirmed assessment is not a confirmation (exit 2)" 2 "$MAMORI" scs verify "$TMP/a.json"

# ---- HTML report in Chromium --------------------------------------------------------------
"$MAMORI" scs verify "$TMP/c.json" --format html --out "$TMP/confirmed.html" 2>/dev/null
check "HTML from a verified confirmation shows the expert" grep -q '山田 太郎.*署名を検証済み' "$TMP/confirmed.html"
"$MAMORI" scs assess --answers "$D/star3.json" --evidence "$D/evidence-good.json" --format html --out "$TMP/star3.html" 2>/dev/null
"$MAMORI" scs assess --answers "$D/none.json" --format html --lang en --out "$TMP/none.html"
"$MAMORI" scs assess --answers "$D/star4.json" --format html --out "$TMP/star4.html"
check "HTML escapes the organisation name" grep -q 'さくら電子 &lt;R&amp;D&gt;' "$TMP/star4.html"
check "HTML has A4 print CSS" grep -q '@page{size:A4' "$TMP/star3.html"
check "HTML fetches nothing external" bash -c "! grep -qE '(src|href)=\"?(https?:)?//' '$TMP/star3.html'"
CHROME=/usr/bin/chromium
shot() { # HTML PNG
  timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$TMP/chr" --screenshot="$2" --window-size=1240,1754 "file://$1" >/dev/null 2>&1
}
if [ -x "$CHROME" ]; then
  shot "$TMP/star3.html" "$TMP/star3.png"
  shot "$TMP/none.html" "$TMP/none.png"
  check_ge "screenshot written and non-trivial (bytes)" 50000 "$(stat -c %s "$TMP/star3.png" 2>/dev/null || echo 0)"
  read -r w h green <<<"$(python3 "$SRCDIR/tests/e2e/png-colour.py" "$TMP/star3.png" 26 127 55 400 2>/dev/null || echo 0 0 0)"
  check_eq "screenshot is 1240x1754" "1240x1754" "${w}x${h}"
  check_ge "★3 report: green 'achieved' badge drawn in the summary (px)" 5000 "$green"
  read -r _ _ red <<<"$(python3 "$SRCDIR/tests/e2e/png-colour.py" "$TMP/none.png" 180 35 24 400 2>/dev/null || echo 0 0 0)"
  read -r _ _ green2 <<<"$(python3 "$SRCDIR/tests/e2e/png-colour.py" "$TMP/none.png" 26 127 55 400 2>/dev/null || echo 0 0 0)"
  check_ge "no-level report: red badge drawn instead (px)" 5000 "$red"
  check_eq "no-level report: no green badge" 0 "$green2"
  timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$TMP/chr" --dump-dom "file://$TMP/star3.html" 2>/dev/null >"$TMP/dom.html"
  check "rendered DOM: summary section shows ★3 achieved" \
    python3 -c "import re,sys; s=open(sys.argv[1]).read(); m=re.search(r'<section id=\"summary\".*?</section>', s, re.S); sys.exit(0 if m and re.search(r'id=\"achieved\"[^>]*>★3 達成<', m.group(0)) else 1)" "$TMP/dom.html"
  # The executive summary must print on one A4 page even in a crowded case:
  # 26 gaps, 4 contradictions, a renewal with 26 regressions, a confirmation.
  python3 - "$D/star3.json" "$TMP/crowded.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["answers"] = {k: "yes" for k in ["5-1-1", "4-5-2", "3-1-1", "3-1-2"]}
d["organisation"]["name"] = "株式会社とても長い名前のサンプル製作所ホールディングス東日本支社"
d["inventory"] = {"hosts": 3, "networks": ["10.0.0.0/8"]}
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PYEOF
  "$MAMORI" scs assess --answers "$TMP/crowded.json" --evidence "$D/evidence-contradicts.json" \
    --evidence "$D/evidence-good.json" --previous "$TMP/a.json" --format json --out "$TMP/cr.json" 2>/dev/null
  "$MAMORI" scs confirm --assessment "$TMP/cr.json" --key "$TMP/expert.key" --expert-name "山田 太郎" \
    --registration-no 012345 --out "$TMP/crc.json" 2>/dev/null
  pages_ok=0
  for lang in ja en; do
    "$MAMORI" scs verify "$TMP/crc.json" --format html --lang "$lang" --out "$TMP/cr.html" 2>/dev/null
    python3 -c "import sys; s=open(sys.argv[1]).read(); i=s.index('</section>')+10; open(sys.argv[2],'w').write(s[:i]+'</body></html>')" \
      "$TMP/cr.html" "$TMP/crsum.html"
    for f in cr crsum; do
      timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$TMP/chr" --no-pdf-header-footer --print-to-pdf="$TMP/$f.pdf" "file://$TMP/$f.html" >/dev/null 2>&1
    done
    n_sum=$(python3 -c "import re,sys; print(len(re.findall(rb'/Type\s*/Page(?!s)', open(sys.argv[1],'rb').read())))" "$TMP/crsum.pdf" 2>/dev/null)
    n_all=$(python3 -c "import re,sys; print(len(re.findall(rb'/Type\s*/Page(?!s)', open(sys.argv[1],'rb').read())))" "$TMP/cr.pdf" 2>/dev/null)
    [ "$n_sum" = 1 ] && [ "${n_all:-0}" -ge 3 ] && pages_ok=$((pages_ok + 1))
    echo "# $lang: summary $n_sum page(s), whole report $n_all"
  done
  check_eq "A4 print: summary on one page, report continues (ja and en)" 2 "$pages_ok"
else
  fail "chromium is installed (scripts/deps)" "$CHROME missing"
fi
