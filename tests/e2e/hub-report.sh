#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-report.sh — the monthly report: alerts uploaded over the API
# for one month (and its JST edges), `mamori hub report` as PDF and HTML;
# pdftotext gives back the tenant's name, the month and the alert count the
# store holds, counted independently here with sqlite3.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
if ! command -v pdftotext >/dev/null; then
  fail "pdftotext installed (poppler-utils, scripts/deps)"; exit 0
fi
H=$TMP/hub
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id yamada --name "山田製作所" --kind sme)
TB=$(tok --id b --name "<script>alert(1)</script>" --kind sme)
tok --id x --name "大手部品" --kind buyer >/dev/null
"$MAMORI" hub link --dir "$H" yamada x >/dev/null 2>&1
"$MAMORI" hub scs require --dir "$H" --buyer x --supplier yamada --level 3 >/dev/null 2>&1
"$MAMORI" hub serve --dir "$H" 2>>"$TMP/serve.log" & PIDS+=($!); HUBPID=$!
for _ in $(seq 100); do [ -s "$H/hub.port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$H/hub.port")"

# ev ID KIND TIME [RULE]
ev() {
  if [ "$2" = alert ]; then
    printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"%s"},"source":{"ip":"45.33.%d.%d"}}\n' "$3" "$1" "${4:-ssh.bruteforce}" $((RANDOM % 200 + 1)) $((RANDOM % 200 + 1))
  else
    printf '{"@timestamp":"%s","event":{"id":"%s","kind":"event"},"source":{"ip":"45.33.1.1"}}\n' "$3" "$1"
  fi
}
{
  ev a1 alert 2026-10-31T16:00:00Z        # 2026-11-01 01:00 JST: November
  ev a2 alert 2026-11-03T02:00:00Z
  ev a3 alert 2026-11-03T05:00:00Z
  ev a4 alert 2026-11-03T06:00:00Z
  ev a5 alert 2026-11-12T10:00:00Z ioc.ip
  ev a6 alert 2026-11-20T23:59:59Z
  ev a7 alert 2026-11-30T14:59:59Z        # 23:59:59 JST on the 30th
  ev a8 alert 2026-11-30T15:00:00Z        # December 1 in JST: not November
  ev a9 alert 2026-10-31T14:59:59Z        # October 31 in JST
  ev e1 event 2026-11-05T01:00:00Z
  ev e2 event 2026-11-06T01:00:00Z
  # the blocking sensor's counter reports (src/block, mm_blocker_report_json):
  # 45.33.9.9 dropped 5 before November, 8 then (3 more), then expired and
  # came back with 3 (3 more); 203.0.113.7 dropped 2 → 8 packets, 480 bytes
  blk() { printf '{"@timestamp":"%s","event":{"kind":"event","id":"%s","dataset":"mamori.block","action":"block_status"},"mamori":{"block":{"mode":"enforce","blocked":%d,"dropped_packets":0,"dropped_bytes":0,"entries":[%s]}}}\n' "$2" "$1" "$3" "$4"; }
  blk k1 2026-10-30T01:00:00Z 1 '{"net":"45.33.9.9","packets":5,"bytes":300}'
  blk k2 2026-11-03T03:00:00Z 2 '{"net":"45.33.9.9","packets":8,"bytes":480},{"net":"203.0.113.7","packets":2,"bytes":120}'
  blk k3 2026-11-12T11:00:00Z 2 '{"net":"45.33.9.9","packets":3,"bytes":180},{"net":"203.0.113.7","packets":2,"bytes":120}'
} >"$TMP/batch"
check_eq "upload accepted" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" --data-binary @"$TMP/batch" "$URL/api/v1/events")"
ev b1 alert 2026-11-03T02:00:00Z >"$TMP/b"
curl -s -o /dev/null -H "Authorization: Bearer $TB" --data-binary @"$TMP/b" "$URL/api/v1/events"

# the count, independently: JST month bounds in ms, straight from the store
FROM=$(date -d '2026-11-01T00:00:00+09:00' +%s)000
TO=$(date -d '2026-12-01T00:00:00+09:00' +%s)000
WANT=$(sqlite3 "$H/hub.db" "SELECT count(*) FROM events WHERE tenant='yamada' AND kind='alert' AND ts >= $FROM AND ts < $TO")
check_eq "independent count: 7 alerts in November (JST)" 7 "$WANT"

check "report as PDF" "$MAMORI" hub report --dir "$H" --tenant yamada --month 2026-11 --format pdf -o "$TMP/r.pdf"
check "it is a PDF" bash -c "head -c 5 '$TMP/r.pdf' | grep -q '%PDF-'"
PAGES=$(pdfinfo "$TMP/r.pdf" 2>/dev/null | awk '/^Pages:/{print $2}')
check "one or two A4 pages ($PAGES)" bash -c "[ '$PAGES' -ge 1 ] && [ '$PAGES' -le 2 ] && pdfinfo '$TMP/r.pdf' | grep -q 'Page size: *595.* x 841.*'"
check "the Japanese font is embedded" bash -c "pdffonts '$TMP/r.pdf' | grep -q 'IPAexGothic.* yes *yes *yes'"
pdftotext -enc UTF-8 "$TMP/r.pdf" "$TMP/r.txt"
check "pdftotext: the tenant's name" grep -q "山田製作所" "$TMP/r.txt"
check "pdftotext: the month" grep -q "2026年11月" "$TMP/r.txt"
GOT=$(grep -o '攻撃の警報は [0-9]* 件' "$TMP/r.txt" | grep -o '[0-9]*')
check_eq "pdftotext: the alert count the store gives" "$WANT" "$GOT"
check "pdftotext: busiest day (the 3rd, 3 alerts)" grep -q '最も多かったのは 3 日（3 件）' "$TMP/r.txt"
check "pdftotext: the shared list recognised 1" grep -q '共有リスト）に載った相手を 1 件' "$TMP/r.txt"
check "pdftotext: blocked as the sensor measured it (2 addresses, 8 packets, 480 bytes)" grep -q 'センサーが 2 件の相手を遮断し、その通信 8 回（480 バイト）' "$TMP/r.txt"
check "pdftotext: no incident case in November (cases come from the case store)" grep -q '事案）を 0 件開き、0 件を' "$TMP/r.txt"
check "pdftotext: sensor reported on 7 of 30 days (1 3 5 6 12 21 30)" grep -q "30 日のうち 7 日" "$TMP/r.txt"
check "pdftotext: the customer requires a ★ that is not met" grep -q '★を求めているのは 1 社、満たしていないのは 1 社' "$TMP/r.txt"
check "pdftotext: three next steps" bash -c "grep -q '^1\. ' '$TMP/r.txt' && grep -q '^2\. ' '$TMP/r.txt' && grep -q '^3\. ' '$TMP/r.txt'"
check "pdftotext: English second" grep -q "Monthly security report, November 2026" "$TMP/r.txt"

check "report as HTML" "$MAMORI" hub report --dir "$H" --tenant yamada --month 2026-11 --format html -o "$TMP/r.html"
check "HTML: name, month, count" bash -c "grep -q '山田製作所' '$TMP/r.html' && grep -q '2026年11月' '$TMP/r.html' && grep -q '攻撃の警報は $WANT 件' '$TMP/r.html'"
check "HTML is self-contained (no external URL)" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' '$TMP/r.html' && grep -q 'src=\"data:image/png;base64,' '$TMP/r.html'"
check "HTML plot is a valid PNG" python3 -c "
import base64,re
h=open('$TMP/r.html').read()
b=base64.b64decode(re.search(r'data:image/png;base64,([A-Za-z0-9+/=]+)',h).group(1))
assert b[:8]==b'\x89PNG\r\n\x1a\n'"
"$MAMORI" hub report --dir "$H" --tenant b --month 2026-11 --format html -o "$TMP/b.html" 2>/dev/null
check "HTML escapes a hostile tenant name" bash -c "grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' '$TMP/b.html' && ! grep -q '<script>' '$TMP/b.html'"
check "another tenant's report has only its own count" grep -q '攻撃の警報は 1 件' "$TMP/b.html"
# ---- the console API's summary gives the same figures as the report
echo "pw-sachiko-secret" | "$MAMORI" hub user add --dir "$H" --tenant yamada --role sme --name sachiko --password-stdin >/dev/null 2>&1
curl -s -o "$TMP/login" -c "$TMP/jar" -H 'Content-Type: application/json' \
  -d '{"user":"sachiko","password":"pw-sachiko-secret"}' "$URL/api/v1/session"
CSRF=$(jq -r .csrf "$TMP/login")
curl -s -b "$TMP/jar" -o "$TMP/sum11" "$URL/api/v1/summary?month=2026-11"
check_eq "API summary: November's alert count = the report's" "$GOT" "$(jq .attacks "$TMP/sum11")"
check_eq "API summary: blocked = the report's, from the stored counters" '{"entries":2,"packets":8,"bytes":480}' "$(jq -c .blocked "$TMP/sum11")"
check_eq "API summary: October's blocked (before the baseline: all of it)" '{"entries":1,"packets":5,"bytes":300}' "$(curl -s -b "$TMP/jar" "$URL/api/v1/summary?month=2026-10" | jq -c .blocked)"
echo "pw-bob-secret" | "$MAMORI" hub user add --dir "$H" --tenant b --role sme --name bob --password-stdin >/dev/null 2>&1
curl -s -o /dev/null -c "$TMP/bjar" -H 'Content-Type: application/json' -d '{"user":"bob","password":"pw-bob-secret"}' "$URL/api/v1/session"
check_eq "API summary: no blocking sensor → blocked null" null "$(curl -s -b "$TMP/bjar" "$URL/api/v1/summary?month=2026-11" | jq -c .blocked)"
check "b's report says blocking is not measured" grep -q '測って' "$TMP/b.html"
# a case opened and closed this month over the API, one more left open
api() { curl -s -o "$TMP/out" -w '%{http_code}' -b "$TMP/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -X POST -d "$2" "$URL$1"; }
curl -s -b "$TMP/jar" -o "$TMP/al" "$URL/api/v1/alerts?limit=500"
A1=$(jq '.alerts[0].id' "$TMP/al"); A2=$(jq '.alerts[1].id' "$TMP/al")
check_eq "open a case" 201 "$(api /api/v1/cases "{\"alert_id\":$A1}")"
C1=$(jq .id "$TMP/out")
check_eq "open another" 201 "$(api /api/v1/cases "{\"alert_id\":$A2}")"
check_eq "close the first" 200 "$(api "/api/v1/cases/$C1" '{"status":"closed","note":"対応済み"}')"
NOWM=$(TZ=Asia/Tokyo date +%Y-%m)
"$MAMORI" hub report --dir "$H" --tenant yamada --month "$NOWM" --format pdf -o "$TMP/now.pdf" 2>/dev/null
pdftotext -enc UTF-8 "$TMP/now.pdf" "$TMP/now.txt"
# the ioc.ip alert (critical) opened one more case by itself: count the
# store's cases independently
NC=$(sqlite3 "$H/hub.db" "SELECT count(*) FROM cases WHERE tenant='yamada'")
check_ge "cases in the store: ours and the automatic one" 3 "$NC"
check "pdftotext: this month's cases opened ($NC) and closed (1), from the case store" grep -q "事案）を $NC 件開き、1 件を" "$TMP/now.txt"
curl -s -b "$TMP/jar" -o "$TMP/sumnow" "$URL/api/v1/summary?month=$NOWM"
check_eq "API summary: this month's alert count = the report's" "$(grep -o '攻撃の警報は [0-9]* 件' "$TMP/now.txt" | grep -o '[0-9]*' || echo 0)" "$(jq .attacks "$TMP/sumnow")"
check_eq "API summary: open cases = opened - closed" "$((NC - 1))" "$(jq .cases_open "$TMP/sumnow")"

check_rc "bad month refused" 2 "$MAMORI" hub report --dir "$H" --tenant yamada --month 2026-13 -o "$TMP/x.pdf"
check_rc "unknown tenant refused" 2 "$MAMORI" hub report --dir "$H" --tenant nobody --month 2026-11 -o "$TMP/x.pdf"
check_rc "bad format refused" 2 "$MAMORI" hub report --dir "$H" --tenant yamada --month 2026-11 --format doc -o "$TMP/x.pdf"
kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null

# ---- the monthly report by mail (report_mail = on): last month's report
# queued once when the hub starts (then hourly), sent through the outbox to
# a real SMTP server on loopback (python3-aiosmtpd)
PY=/usr/bin/python3
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
  fail "python3-aiosmtpd installed (scripts/deps)"; exit 0
fi
SPORT=$(free_port)
PYTHONPATH="$SRCDIR/tests/e2e" $PY -m aiosmtpd -n -l "127.0.0.1:$SPORT" -c smtp_sink.Sink "$TMP/mail" 2>>"$TMP/smtp.log" & PIDS+=($!)
printf 'smtp_url = smtp://127.0.0.1:%s\nsmtp_from = report@hub.example.jp\nreport_mail = on\n' "$SPORT" >>"$H/hub.conf"
"$MAMORI" hub notify add --dir "$H" --tenant yamada --email shacho@yamada.example.jp >/dev/null 2>&1
serve() {
  rm -f "$H/hub.port"
  "$MAMORI" hub serve --dir "$H" 2>>"$TMP/serve.log" & PIDS+=($!); HUBPID=$!
  for _ in $(seq 100); do [ -s "$H/hub.port" ] && break; sleep 0.1; done
}
serve
for _ in $(seq 100); do [ -n "$(ls "$TMP/mail" 2>/dev/null)" ] && break; sleep 0.1; done
check "the monthly report arrived by mail" $PY - "$TMP/mail" <<'PYEOF'
import email, email.policy, glob, sys, time
t = time.gmtime(time.time() + 9 * 3600)  # JST
y, m = (t.tm_year, t.tm_mon - 1) if t.tm_mon > 1 else (t.tm_year - 1, 12)
files = glob.glob(sys.argv[1] + "/*.eml")
assert len(files) == 1, files
msg = email.message_from_bytes(open(files[0], "rb").read(), policy=email.policy.default)
want = "[mamori] 月次セキュリティ報告 %d年%d月 / monthly security report %04d-%02d" % (y, m, y, m)
assert str(msg["Subject"]) == want, (str(msg["Subject"]), want)
assert msg["To"] == "shacho@yamada.example.jp"
body = msg.get_content()
assert "月次セキュリティ報告 %d年%d月 — 山田製作所" % (y, m) in body, body[:300]
assert "攻撃の警報は" in body and "次の三つの手順" in body
PYEOF
kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null
serve
sleep 2
check_eq "after a restart the month's report is not sent again" 1 "$(ls "$TMP/mail" | wc -l)"
kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null
