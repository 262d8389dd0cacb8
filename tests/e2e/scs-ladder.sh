#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/scs-ladder.sh — the ★ ladder below SCS: SECURITY ACTION ★1 (the
# 5 basic articles + backups) and ★2 (the 25-question self-check + a basic
# policy) as catalogue data; `scs assess` on the sample answers for ★1 and
# ★2, the whole ladder and the next rung in the report.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
export MAMORI_SCS_CATALOGUE=$SRCDIR/data/scs/catalogue.txt
D=$SRCDIR/tests/data/scs
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

check_eq "catalogue --level 1: the 6 ★1 items" 6 \
  "$("$MAMORI" scs catalogue --level 1 --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
check_eq "catalogue --level 2: ★1 + ★2 = 32 items" 32 \
  "$("$MAMORI" scs catalogue --level 2 --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
check_rc "catalogue --level 5: exit 2" 2 "$MAMORI" scs catalogue --level 5

"$MAMORI" scs assess --answers "$D/star1.json" --format json --out "$TMP/a1.json"
check_eq "★1 sample: achieved ★1, target ★1, no gap, next rung ★2" "★1 ★1 0 ★2" \
  "$(jget "$TMP/a1.json" "' '.join(str(x) for x in [d['achieved'], d['target'], len(d['gaps']), d['next']])")"
check_eq "★1 sample: the whole ladder ★1..★4" "★1:True ★2:False ★3:False ★4:False" \
  "$(jget "$TMP/a1.json" "' '.join(r['level']+':'+str(r['reached']) for r in d['ladder'])")"

"$MAMORI" scs assess --answers "$D/star2.json" --format json --out "$TMP/a2.json"
check_eq "★2 sample (one no, one unknown): achieved ★1, gaps 0-2-9 0-2-24" "★1 0-2-9,0-2-24" \
  "$(jget "$TMP/a2.json" "d['achieved']+' '+','.join(g['id'] for g in d['gaps'])")"
check_eq "★2 sample: levels 1 and 2 counted" "6/6 30/32" \
  "$(jget "$TMP/a2.json" "'%d/%d %d/%d' % (d['levels']['1']['met'], d['levels']['1']['total'], d['levels']['2']['met'], d['levels']['2']['total'])")"
"$MAMORI" scs assess --answers "$D/star2.json" >"$TMP/a2.txt"
check "★2 report (ja): the ladder and the next rung" grep -q "★のはしご: ★1 6/6 達成 · ★2 24/26 · ★3 0/16 · ★4 0/13  — 次の段 ★2" "$TMP/a2.txt"
"$MAMORI" scs assess --answers "$D/star2.json" --lang en >"$TMP/a2en.txt"
check "★2 report (en): the ladder and the next rung" grep -q "The ★ ladder: ★1 6/6 reached · ★2 24/26 · ★3 0/16 · ★4 0/13  — next rung ★2" "$TMP/a2en.txt"
check "★2 report: the gap's next step in plain words" grep -q "Wi-Fi を WPA2/WPA3 にし" "$TMP/a2.txt"
# fix the two gaps: ★2 reached
python3 - "$D/star2.json" "$TMP/fixed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["answers"]["0-2-9"] = "yes"; d["answers"]["0-2-24"] = "yes"
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PY
"$MAMORI" scs assess --answers "$TMP/fixed.json" --format json --out "$TMP/a2f.json"
check_eq "after the fixes: ★2 reached, next rung ★3" "★2 ★3 0" \
  "$(jget "$TMP/a2f.json" "' '.join(str(x) for x in [d['achieved'], d['next'], len(d['gaps'])])")"
"$MAMORI" scs assess --answers "$D/star3.json" --format json --out "$TMP/a3.json"
check_eq "an SCS ★3 answers file is unchanged: achieved ★3, SECURITY ACTION items not in its gaps" "★3 0" \
  "$(jget "$TMP/a3.json" "d['achieved']+' '+str(len([g for g in d['gaps'] if g['id'].startswith('0-')]))")"
"$MAMORI" scs assess --answers "$D/star2.json" --format html --out "$TMP/a2.html"
check "★2 HTML report shows the ladder" grep -q '<p class="ladder">' "$TMP/a2.html"
