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

# ---- the interview: plain questions on a terminal (stdin), resumable ------
# the hand-written star2.json as replies: ★1 all yes; ★2 all yes but
# question 9 "no" and 24 "don't know"
replies() { # FROM TO: the replies to questions FROM..TO of the ★2 interview
  for i in $(seq "$1" "$2"); do
    case $i in 15) echo いいえ ;; 30) echo わからない ;; *) echo はい ;; esac
  done
}
{ echo "有限会社さくら印刷"; echo はい; replies 1 10; } |
  "$MAMORI" scs interview --level ★2 -o "$TMP/iv.json" >"$TMP/iv1.out" 2>&1
check_eq "interview stopped at the end of input: exit 0" 0 "$?"
check "interview: told how to resume" grep -q "続きから始まります" "$TMP/iv1.out"
check_eq "interview: saved after each answer (10 so far)" 10 "$(jget "$TMP/iv.json" "len(d['answers'])")"
replies 11 32 | "$MAMORI" scs interview -o "$TMP/iv.json" >"$TMP/iv2.out" 2>&1
check "interview resumed where it stopped" grep -q "続きから再開します" "$TMP/iv2.out"
check "interview: resumed at question 11" grep -q '^\[11/32\] ★2 0-2-5' "$TMP/iv2.out"
check "interview: 'わからない' counted as not met, with a hint" grep -q "「満たしていない」として数えます" "$TMP/iv2.out"
check "interview: the hint is the item's next step" grep -q "ヒント: 事故のときの連絡先" "$TMP/iv2.out"
"$MAMORI" scs assess --answers "$TMP/iv.json" --format json --out "$TMP/aiv.json"
same() { python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: (d["achieved"], d["target"], [g["id"] for g in d["gaps"]],
                 [(i["id"], i["level"], i["answer"], i["status"]) for i in d["items"]], d["tier"]["name"])
print("same" if key(a) == key(b) else "differ: %r vs %r" % (key(a)[:3], key(b)[:3]))
PY
}
check_eq "the interview's answers assess exactly like the hand-written star2.json" same "$(same "$TMP/aiv.json" "$TMP/a2.json")"
# ★3 by interview: every ★3 criterion yes except 6-1-1 no
{ echo "株式会社みどり精機"; echo いいえ; for i in $(seq 16); do [ "$i" = 15 ] && echo n || echo y; done; } |
  "$MAMORI" scs interview --level 3 -o "$TMP/iv3.json" >/dev/null 2>&1
python3 - "$TMP/iv3.json" "$TMP/hand3.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ids = list(d["answers"])
hand = {"organisation": {"name": "株式会社みどり精機", "onsite_responder": False},
        "target": "★3", "answers": {i: ("no" if i == "6-1-1" else "yes") for i in ids}}
json.dump(hand, open(sys.argv[2], "w"), ensure_ascii=False)
PY
"$MAMORI" scs assess --answers "$TMP/iv3.json" --format json --out "$TMP/aiv3.json"
"$MAMORI" scs assess --answers "$TMP/hand3.json" --format json --out "$TMP/ah3.json"
check_eq "★3 interview (16 questions, 6-1-1 no) assesses like the hand-written file" same "$(same "$TMP/aiv3.json" "$TMP/ah3.json")"
check_eq "★3 interview: achieved none, one gap 6-1-1" "none 6-1-1" \
  "$(jget "$TMP/aiv3.json" "d['achieved']+' '+','.join(g['id'] for g in d['gaps'])")"
check_rc "interview: bad level (exit 2)" 2 "$MAMORI" scs interview --level 7 -o "$TMP/x.json"
