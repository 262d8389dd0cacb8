#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/console.sh — the web console in a real browser: a hub with
# alerts from a real OpenSSH log (loghub) for two SMEs, one account per
# role, then Debian's Chromium driven by playwright-core
# (tests/browser/console.mjs): each role logs in and sees only its data, an
# SME acknowledges an alert, a provider opens a case and ticks a step, no
# console errors, no serious axe-core violation. Screenshots are kept in
# build/test-artifacts/console/ (ARTIFACTS overrides). Also checks the
# console's HTTP headers with curl.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
BROWSER=$SRCDIR/tests/browser
ARTIFACTS=${ARTIFACTS:-$SRCDIR/build/test-artifacts/console}
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null || [ ! -d "$BROWSER/node_modules/playwright-core" ]; then
  echo "1..0 # SKIP Chromium, node or tests/browser/node_modules missing (run scripts/deps)"
  exit 0
fi

H=$TMP/hub
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id sato --name "佐藤精機" --kind sme)
TB=$(tok --id kato --name "加藤金属" --kind sme)
tok --id mimamori --name "見守りサービス" --kind provider >/dev/null
TX=$(tok --id big --name "大手自動車" --kind buyer)
tok --id centre --name "分析センター" --kind critical >/dev/null
"$MAMORI" hub link --dir "$H" sato big --disclose >/dev/null 2>&1
"$MAMORI" hub provider link --dir "$H" --provider mimamori --sme sato >/dev/null 2>&1
# both SMEs supply the critical-infrastructure operator: the shared campaign
# reaches two of its suppliers and is escalated (the coordinator's page)
"$MAMORI" hub link --dir "$H" sato centre >/dev/null 2>&1
"$MAMORI" hub link --dir "$H" kato centre >/dev/null 2>&1
adduser() { echo "$4" | "$MAMORI" hub user add --dir "$H" --tenant "$2" --role "$3" --name "$1" --password-stdin >/dev/null; }
adduser sato-owner sato sme pw-sme-0001
adduser kato-owner kato sme pw-sme-0002
adduser watcher mimamori provider pw-prov-0001
adduser buyer-kun big buyer pw-buyer-0001
adduser analyst centre coordinator pw-coord-0001

hub_serve "$H" --plain
"$MAMORI" scan -q "$SRCDIR/data/samples/loghub-OpenSSH_2k.log" >"$TMP/alerts.ndjson"
up() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" --data-binary @"$TMP/alerts.ndjson" "$URL/api/v1/events"; }
check_eq "sato uploads alerts" 200 "$(up "$TA")"
check_eq "kato uploads alerts" 200 "$(up "$TB")"
# sato's blocking sensor reports its counters (mamori.block): 7 packets dropped
printf '{"@timestamp":"%s","event":{"kind":"event","id":"blk-1","dataset":"mamori.block","action":"block_status"},"mamori":{"block":{"mode":"enforce","blocked":1,"dropped_packets":7,"dropped_bytes":420,"entries":[{"net":"45.33.9.9","packets":7,"bytes":420}]}}}\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$TMP/block.ndjson"
check_eq "sato's blocking counters uploaded" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" --data-binary @"$TMP/block.ndjson" "$URL/api/v1/events")"
# the buyer requires ★3 of sato, which has submitted no confirmed assessment
check_eq "buyer requires ★3 of its supplier" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
  -H "Authorization: Bearer $TX" -H 'Content-Type: application/json' -d '{"level":"★3"}' "$URL/api/v1/scs/requirements/sato")"

# ---- sato's outside-in self-check: a web server on 127.0.0.1 whose banner is
# a known-exploited Apache version, with an admin page, proven by its file;
# its own port doubles as the "rdp" port that must never face the internet.
# A second asset (shop.sato.test) is listed but never proven.
mkdir -p "$TMP/www/.well-known" "$TMP/www/admin"; echo admin >"$TMP/www/admin/index.html"
python3 -W ignore::DeprecationWarning - "$TMP/www" "$TMP/port-www" <<'PY' &
import http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    server_version = "Apache/2.4.49"; sys_version = ""
    def __init__(s, *a, **k): super().__init__(*a, directory=sys.argv[1], **k)
    def log_message(s, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
PIDS+=("$!")
for _ in $(seq 100); do [ -s "$TMP/port-www" ] && break; sleep 0.1; done
PW=$(cat "$TMP/port-www")
asm() { MAMORI_SCS_CATALOGUE=$SRCDIR/data/scs/catalogue.txt "$MAMORI" hub asm "$@" --dir "$H" --tenant sato; }
asm add --asset "127.0.0.1:$PW" 2>/dev/null | head -1 >"$TMP/www/.well-known/mamori-verify.txt"
asm add --asset shop.sato.test >/dev/null 2>&1
check "sato's web server proven by its file" asm verify --asset "127.0.0.1:$PW"
asm check --ports "$PW=rdp" --rate 50 >"$TMP/asm.json" 2>/dev/null
check_eq "the check finds the open port, the KEV banner and the admin page" "admin_page kev open_port" \
  "$(jq -r '[.assets[0].findings[].kind]|unique|join(" ")' "$TMP/asm.json")"

# two registered experts for 「専門家をさがす」
for k in e1 e2; do "$MAMORI" scs keygen --out "$TMP/$k.key" >/dev/null 2>&1; done
"$MAMORI" hub expert add --dir "$H" --registration-no 012345 --name "山田 太郎" --pubkey "$TMP/e1.key.pub" \
  --valid-until 2099-12-31 --region 大阪府 --industry 製造 --theme ★3確認 --contact yamada@expert.example.jp >/dev/null 2>&1
"$MAMORI" hub expert add --dir "$H" --registration-no 054321 --name "佐藤 花子" --pubkey "$TMP/e2.key.pub" \
  --valid-until 2099-12-31 --region 東京都 --industry 物流 --theme ASM >/dev/null 2>&1

# ---- the console's files and headers
curl -s -D "$TMP/h" -o "$TMP/index.html" "$URL/"
check "GET / is the console (text/html)" grep -qi '^Content-Type: text/html; charset=utf-8' "$TMP/h"
check "strict CSP on the console" grep -qi "^Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'" "$TMP/h"
check "nosniff and no-referrer" bash -c "grep -qi '^X-Content-Type-Options: nosniff' '$TMP/h' && grep -qi '^Referrer-Policy: no-referrer' '$TMP/h'"
check "no inline script in the page" bash -c "! grep -q '<script>' '$TMP/index.html' && ! grep -qi ' on[a-z]*=' '$TMP/index.html'"
ETAG=$(awk 'tolower($1)=="etag:"{print $2}' "$TMP/h" | tr -d '\r')
check_eq "ETag revalidation: 304" 304 "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$URL/")"
check "scripts served as JavaScript" bash -c "curl -sI '$URL/console/app.js' | grep -qi '^Content-Type: text/javascript'"
check_eq "unknown console file: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/console/nope.js")"
check_eq "no path escape" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$URL/console/../hub.db")"
check_eq "POST to the console: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -d x "$URL/")"

# ---- warnings for a console session: its own tenant's inbox only
curl -s -c "$TMP/sme.jar" -o /dev/null -H 'Content-Type: application/json' \
  -d '{"user":"sato-owner","password":"pw-sme-0001"}' "$URL/api/v1/session"
check_eq "inbox with a session cookie: the session's tenant" "200 sato" \
  "$(curl -s -o "$TMP/inbox" -w '%{http_code}' -b "$TMP/sme.jar" "$URL/api/v1/inbox") $(jq -r .tenant "$TMP/inbox" 2>/dev/null)"
check_eq "… never another tenant's" 403 "$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/sme.jar" "$URL/api/v1/inbox?tenant=kato")"
check_eq "inbox with a dead session cookie: 401" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' -b "mamori_session=$(printf '%064d' 0)" "$URL/api/v1/inbox")"
check_eq "inbox with neither cookie nor token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/inbox")"

# ---- the browser
ACCOUNTS='[{"role":"sme","user":"sato-owner","password":"pw-sme-0001","tenant":"sato"},
 {"role":"provider","user":"watcher","password":"pw-prov-0001","tenant":"mimamori"},
 {"role":"buyer","user":"buyer-kun","password":"pw-buyer-0001","tenant":"big"},
 {"role":"coordinator","user":"analyst","password":"pw-coord-0001","tenant":"centre"}]'
EXPECT='{"sme_tenant":"sato","sme_name":"佐藤精機","other_name":"加藤金属","asm_asset":"127.0.0.1:'$PW'"}'
rm -f "$ARTIFACTS/answers.json" "$ARTIFACTS/scs-page.json"
(cd "$BROWSER" && HUB_URL=$URL ACCOUNTS=$ACCOUNTS EXPECT=$EXPECT ARTIFACTS=$ARTIFACTS \
  timeout 120 node console.mjs) | grep -v '^1\.\.'
# the answers file the SME downloaded from its page, assessed by the CLI with
# the hub's evidence for sato: the same ★ and ladder as the page showed
curl -s -H "Authorization: Bearer $TA" "$URL/api/v1/scs/evidence" -o "$TMP/ev.json"
"$MAMORI" scs assess --answers "$ARTIFACTS/answers.json" --evidence "$TMP/ev.json" --format json \
  --out "$TMP/cli.json" 2>/dev/null
check_eq "scs assess on the downloaded answers file = the page's result" \
  "$(jq -c '[.achieved, .ladder]' "$ARTIFACTS/scs-page.json" 2>/dev/null || echo "no page result")" \
  "$(jq -c '[.achieved, [.ladder[] | "\(.level) \(.scheme) \(.met) / \(.total)"]]' "$TMP/cli.json" 2>/dev/null)"
check_eq "the SME's request from the console reached the expert it chose" "sato|012345|sent" \
  "$(sqlite3 "$H/hub.db" "SELECT tenant, expert, CASE state WHEN 0 THEN 'sent' ELSE state END FROM scs_requests")"
check "screenshots kept" bash -c "for r in sme provider buyer coordinator; do test -s \"$ARTIFACTS/\$r.png\" || exit 1; done"
