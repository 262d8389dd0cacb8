#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub.sh — the hub end to end with the real binary and curl:
# init, tenants, graph, serve, uploads (plain and zstd), every rejection
# code, tenant isolation, a campaign with the buyer's warning, the feed long
# poll, webhooks, escalation, TLS, and kill -9 during ingest.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
now() { date +%s.%N; }
# line ID IP [extra-json-members]
line() {
  printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"%s"}%s}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "${3:-}"
}
# post TOKEN FILE [curl args...] -> prints "CODE BODY"
post() {
  local tok=$1 f=$2; shift 2
  curl -s -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer $tok" \
    -H 'Content-Type: application/x-ndjson' "$@" --data-binary @"$f" "$URL/api/v1/events"
  echo " $(cat "$TMP/resp")"
}
start_hub() { # start_hub [args...]; sets URL and HUBPID
  hub_serve "$H" "$@"
}
q() { sqlite3 "$H/hub.db" "$1"; }

check "init creates store, config and certificate" "$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain
check "certificate is a valid X.509 PEM" openssl x509 -in "$H/hub-cert.pem" -noout
check_rc "init twice refuses" 2 "$MAMORI" hub init --dir "$H"
echo "rate = 5" >>"$H/hub.conf"; echo "burst = 8" >>"$H/hub.conf"

tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id a --name "Alpha Parts" --kind sme --industry auto --region aichi --range 100.64.9.0/24)
TB=$(tok --id b --name "Beta Metal" --kind sme)
TC=$(tok --id c --name "Gamma Works" --kind sme)
TX=$(tok --id x --name "Big Buyer" --kind buyer)
TCI=$(tok --id ci --name "Power Grid" --kind critical)
TR=$(tok --id r --name "Rate Test" --kind sme)
TK=$(tok --id k --name "Kill Test" --kind sme)
check_eq "token printed once, 68 chars" 68 "${#TA}"
check_eq "only the hash is stored" 0 "$(q "SELECT count(*) FROM tenants WHERE token_hash='$TA'")"
check_eq "stored hash is SHA-256 of the token" "$(printf %s "$TA" | sha256sum | cut -d' ' -f1)" "$(q "SELECT token_hash FROM tenants WHERE id='a'")"
check_rc "duplicate tenant id refused" 2 "$MAMORI" hub tenant add --dir "$H" --id a --name A --kind sme
check_rc "bad kind refused" 2 "$MAMORI" hub tenant add --dir "$H" --id z --name Z --kind bank
check "tenant list shows a" bash -c "'$MAMORI' hub tenant list --dir '$H' | grep -q 'Alpha Parts'"

check "link a -> x (disclose)" "$MAMORI" hub link --dir "$H" a x --disclose
check_rc "link to unknown tenant refused" 2 "$MAMORI" hub link --dir "$H" a nobody
printf 'supplier,customer,disclose\nb,x,0\nc,x,yes\nx,ci,1\n' >"$TMP/g.csv"
check "graph import" "$MAMORI" hub graph import --dir "$H" "$TMP/g.csv"
check_eq "graph has 4 links" 4 "$(q 'SELECT count(*) FROM links')"
printf 'supplier,customer,disclose\nb,ci,1\nc,nobody,1\n' >"$TMP/bad.csv"
"$MAMORI" hub graph import --dir "$H" "$TMP/bad.csv" 2>"$TMP/err"; rc=$?
check_eq "bad graph: exit 2" 2 "$rc"
check "bad graph: error names file:line" grep -q "bad.csv:3: unknown tenant 'nobody'" "$TMP/err"
check_eq "bad graph: nothing imported (all or nothing)" 0 "$(q "SELECT count(*) FROM links WHERE supplier='b' AND customer='ci'")"

start_hub --plain
check "health" bash -c "curl -sf '$URL/api/v1/health' | grep -q '\"ok\"'"

# ---- uploads and rejections
line a-1 45.33.32.1 >"$TMP/one"
check_eq "plain upload accepted" '200 {"accepted":1,"duplicates":0}' "$(post "$TA" "$TMP/one")"
check_eq "same id again: acknowledged, not stored twice" '200 {"accepted":0,"duplicates":1}' "$(post "$TA" "$TMP/one")"
{ line a-2 45.33.32.2; line a-3 45.33.32.3; } | zstd -q -c >"$TMP/two.zst"
check_eq "zstd upload accepted" '200 {"accepted":2,"duplicates":0}' "$(post "$TA" "$TMP/two.zst" -H 'Content-Encoding: zstd')"
check_eq "events stored" 3 "$(q "SELECT count(*) FROM events WHERE tenant='a'")"

line a-x 45.33.32.9 >"$TMP/x1"
check_eq "401 without a token" 401 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TMP/x1" "$URL/api/v1/events")"
check_eq "401 with a wrong token" 401 "$(post mmt_0000 "$TMP/x1" | cut -d' ' -f1)"
line a-y 45.33.32.9 ',"observer":{"tenant":"b"}' >"$TMP/x2"
check_eq "403 writing as another tenant" 403 "$(post "$TA" "$TMP/x2" | cut -d' ' -f1)"
{ line a-z1 45.33.32.9; echo '{"@timestamp":"2026-11-22T00:00:00Z","event":{"id":"a-z2","kind":"alert"}}'; } >"$TMP/x3"
r=$(post "$TA" "$TMP/x3")
check_eq "400 for a malformed line" 400 "${r%% *}"
check "400 names the line" grep -q 'line 2' <<<"$r"
check_eq "400: nothing of the batch stored" 0 "$(q "SELECT count(*) FROM events WHERE event_id IN ('a-z1','a-y','a-x')")"
printf 'not json\n' >"$TMP/x4"
check_eq "400 for invalid JSON" 400 "$(post "$TA" "$TMP/x4" | cut -d' ' -f1)"
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$TMP/big"
check_eq "413 for a 9 MiB body" 413 "$(post "$TA" "$TMP/big" | cut -d' ' -f1)"
zstd -q -19 -c "$TMP/big" >"$TMP/bomb.zst"
check_eq "413 for a zstd bomb (9 MiB after decompression)" 413 "$(post "$TA" "$TMP/bomb.zst" -H 'Content-Encoding: zstd' | cut -d' ' -f1)"
python3 -c 'import sys
for i in range(10001): print("{}")' >"$TMP/many"
check_eq "413 for more than 10000 lines" 413 "$(post "$TA" "$TMP/many" | cut -d' ' -f1)"
codes=""
for i in $(seq 20); do line "r-$i" 45.33.40.1 >"$TMP/r"; codes+="$(curl -s -o /dev/null -D "$TMP/hdr" -w '%{http_code}' -H "Authorization: Bearer $TR" --data-binary @"$TMP/r" "$URL/api/v1/events") "; done
check "429 over the per-tenant rate" grep -q 429 <<<"$codes"
check "429 carries Retry-After" bash -c "for i in \$(seq 5); do curl -s -o /dev/null -D - -H 'Authorization: Bearer $TR' --data-binary @'$TMP/r' '$URL/api/v1/events'; done | grep -qi '^Retry-After: [0-9]'"
check_eq "another tenant is not limited" 200 "$(post "$TB" "$TMP/one" | cut -d' ' -f1)"

# ---- campaign, warnings, feed long poll
CUR=$(curl -s -H "Authorization: Bearer $TX" "$URL/api/v1/feed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')
# more parked long polls than the server has threads must not block uploads
LP=()
for i in $(seq 12); do curl -s -H "Authorization: Bearer $TX" "$URL/api/v1/feed?since=$CUR&wait=2" >"$TMP/lp$i" & LP+=($!); PIDS+=($!); done
sleep 0.3
T0=$(now); line b-lp 45.33.90.1 >"$TMP/lp"; r=$(post "$TB" "$TMP/lp"); T2=$(now)
check_eq "upload while 12 long polls are parked" 200 "${r%% *}"
check "upload not delayed by parked long polls" python3 -c "assert $T2 - $T0 < 1.0"
wait "${LP[@]}"
T3=$(now)
check "long polls time out after wait= with an empty list" bash -c "grep -q '\"indicators\":\[\]' '$TMP/lp1' && grep -q '\"indicators\":\[\]' '$TMP/lp12'"
check "long poll held about wait= seconds" python3 -c "assert 1.5 < $T3 - $T0 < 4"
( curl -s -H "Authorization: Bearer $TX" "$URL/api/v1/feed?since=$CUR&wait=20" >"$TMP/poll"; now >"$TMP/poll.t" ) &
PIDS+=($!); POLL=$!
sleep 0.5
line a-c1 45.33.77.156 >"$TMP/c1"; line b-c1 45.33.77.156 >"$TMP/c2"
post "$TA" "$TMP/c1" >/dev/null
T1=$(now); post "$TB" "$TMP/c2" >/dev/null
wait "$POLL"
check "long poll returned the new indicator" grep -q '45.33.77.156' "$TMP/poll"
d=$(python3 -c "print(int((float(open('$TMP/poll.t').read())-$T1)*1000))")
check "long poll answered within 1 s of the campaign (${d} ms)" test "$d" -lt 1000
check "campaign opened" bash -c "'$MAMORI' hub campaigns --dir '$H' --json | python3 -c 'import json,sys; c=json.load(sys.stdin)[\"campaigns\"]; assert any(x[\"key\"]==\"45.33.77.156\" and x[\"tenants\"]==2 for x in c)'"
curl -s -H "Authorization: Bearer $TX" "$URL/api/v1/inbox" >"$TMP/inbox-x"
check "buyer inbox has the supplier warning" grep -q '"kind":"supplier"' "$TMP/inbox-x"
check "buyer warning names the disclosed supplier" grep -q 'Alpha Parts' "$TMP/inbox-x"
check "buyer warning hides the undisclosed supplier" bash -c "! grep -q 'Beta Metal' '$TMP/inbox-x'"
check "warning in Japanese and English" bash -c "grep -q '取引先' '$TMP/inbox-x' && grep -q 'of your suppliers' '$TMP/inbox-x'"
curl -s -H "Authorization: Bearer $TCI" "$URL/api/v1/inbox" >"$TMP/inbox-ci"
check "critical operator up the graph warned" grep -q '"kind":"critical"' "$TMP/inbox-ci"
curl -s -H "Authorization: Bearer $TA" "$URL/api/v1/inbox" >"$TMP/inbox-a"
check "hit tenant warned" grep -q '"kind":"hit"' "$TMP/inbox-a"
check "isolation: a's inbox holds only a's warnings" bash -c "! grep -q '\"kind\":\"supplier\"' '$TMP/inbox-a' && grep -q '\"tenant\":\"a\"' '$TMP/inbox-a'"
check_eq "isolation: a cannot read x's inbox" 403 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" "$URL/api/v1/inbox?tenant=x")"
check_eq "405 for a body posted to the feed" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" --data-binary @"$TMP/one" "$URL/api/v1/feed")"
check_eq "405 for GET on the upload endpoint" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" "$URL/api/v1/events")"
check_eq "404 for an unknown path" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v2/nothing")"
check_eq "inbox needs a token" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/inbox")"
check "feed.txt lists the indicator" bash -c "curl -s -H 'Authorization: Bearer $TC' '$URL/api/v1/feed.txt' | grep -qx '45.33.77.156'"
check "feed.nft is an nftables set" bash -c "curl -s -H 'Authorization: Bearer $TC' '$URL/api/v1/feed.nft' | grep -q 'elements = {.*45.33.77.156'"
check "feed.stix is a STIX 2.1 bundle" bash -c "curl -s -H 'Authorization: Bearer $TC' '$URL/api/v1/feed.stix' | python3 -c 'import json,sys; b=json.load(sys.stdin); assert b[\"type\"]==\"bundle\"; assert any(o.get(\"pattern\")==\"[ipv4-addr:value = '\"'\"'45.33.77.156'\"'\"']\" for o in b[\"objects\"])'"
line a-p 10.0.0.5 >"$TMP/p1"; line b-p 10.0.0.5 >"$TMP/p2"
post "$TA" "$TMP/p1" >/dev/null; post "$TB" "$TMP/p2" >/dev/null
check "private address: no indicator" bash -c "! curl -s -H 'Authorization: Bearer $TC' '$URL/api/v1/feed.txt' | grep -q '10.0.0.5'"
curl -s "$URL/metrics" >"$TMP/metrics"
check "metrics: events ingested" grep -q '^mamori_hub_events_ingested_total [1-9]' "$TMP/metrics"
check "metrics: per-tenant last seen" grep -q 'mamori_hub_tenant_last_seen_seconds{tenant="a"}' "$TMP/metrics"
check "metrics: batch latency histogram" grep -q 'mamori_hub_batch_seconds_count' "$TMP/metrics"
check "metrics: correlation keys held, none skipped" bash -c "grep -q '^mamori_hub_correlation_keys [1-9]' '$TMP/metrics' && grep -q '^mamori_hub_correlation_keys_skipped_total 0$' '$TMP/metrics'"
check "metrics: store size, campaigns, notifications, feed" bash -c "grep -q '^mamori_hub_store_size_bytes [1-9]' '$TMP/metrics' && grep -q '^mamori_hub_campaigns [1-9]' '$TMP/metrics' && grep -q '^mamori_hub_notifications_total [1-9]' '$TMP/metrics' && grep -q '^mamori_hub_feed_indicators [1-9]' '$TMP/metrics'"

# ---- webhook: signed delivery to a local receiver
cat >"$TMP/recv.py" <<'EOF'
import http.server, sys
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(out, "ab") as f:
            f.write(self.headers.get("X-Mamori-Signature", "").encode() + b"\n" + body + b"\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
WPORT=$(free_port)
python3 "$TMP/recv.py" "$WPORT" "$TMP/hook" & PIDS+=($!)
SECRET=$("$MAMORI" hub webhook set --dir "$H" --tenant c --url "http://127.0.0.1:$WPORT/hook" 2>/dev/null)
sleep 5.5 # the hub re-reads the graph and webhooks every 5 s
line c-w 45.33.77.156 >"$TMP/w1"; post "$TC" "$TMP/w1" >/dev/null
for _ in $(seq 50); do [ -s "$TMP/hook" ] && break; sleep 0.1; done
check "webhook delivered" test -s "$TMP/hook"
check "webhook HMAC-SHA256 signature verifies" python3 -c "
import hmac,hashlib
sig,body=open('$TMP/hook','rb').read().split(b'\n')[:2]
want=b'sha256='+hmac.new(b'$SECRET',body,hashlib.sha256).hexdigest().encode()
assert sig==want, (sig,want)"

# ---- escalation from a state-backed indicator list (ACSC 2020-008)
# x's webhook points at a closed port: deliveries must be retried with back-off
"$MAMORI" hub webhook set --dir "$H" --tenant x --url "http://127.0.0.1:9/closed" >/dev/null 2>&1
check "ioc import (ACSC ndjson)" "$MAMORI" hub ioc import --dir "$H" "$SRCDIR/data/samples/acsc-2020-008-iocs.ndjson"
sleep 5.5
line a-s 104.156.233.219 >"$TMP/s1"; line c-s 104.156.233.219 >"$TMP/s2"
post "$TA" "$TMP/s1" >/dev/null; post "$TC" "$TMP/s2" >/dev/null
check "escalation queued for the state-backed match" bash -c "'$MAMORI' hub escalations --dir '$H' | grep -q '104.156.233.219'"
check "escalations --stix is valid STIX 2.1" bash -c "'$MAMORI' hub escalations --dir '$H' --stix | python3 -c 'import json,sys; b=json.load(sys.stdin); assert b[\"type\"]==\"bundle\"; t=[o[\"type\"] for o in b[\"objects\"]]; assert \"identity\" in t and \"indicator\" in t and \"relationship\" in t; assert all(o[\"spec_version\"]==\"2.1\" for o in b[\"objects\"])'"
sleep 1.5
row=$(q "SELECT hook_state = 1 AND hook_attempts >= 1 AND hook_next > created + 1000 FROM warnings WHERE tenant='x' ORDER BY id DESC LIMIT 1")
check_eq "failed webhook delivery stays pending with a backed-off retry" 1 "$row"

# ---- kill -9 during ingest: every acknowledged event survives
cat >"$TMP/load.py" <<'EOF'
import sys, urllib.request, urllib.error, time
url, tok, acked = sys.argv[1], sys.argv[2], sys.argv[3]
ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
n = 0
with open(acked, "w") as out:
    while True:
        body = "".join('{"@timestamp":"%s","event":{"id":"k%d-%d","kind":"event"},"source":{"ip":"45.60.%d.%d"}}\n'
                       % (ts, n, i, n % 250, i % 250) for i in range(500)).encode()
        try:
            req = urllib.request.Request(url, body, {"Authorization": "Bearer " + tok})
            if urllib.request.urlopen(req, timeout=5).status == 200:
                out.write("%d\n" % n); out.flush()
        except urllib.error.HTTPError as e:
            out.write("refused %d\n" % e.code); out.flush()
            break
        except Exception:
            break  # the hub is gone
        n += 1
EOF
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
printf 'rate = 100000\nburst = 100000\n' >>"$H/hub.conf" # the last value wins
printf 'tenant_events_per_s = 1000000\ntenant_bytes_per_s = 1e9\n' >>"$H/hub.conf"
start_hub --plain
python3 "$TMP/load.py" "$URL/api/v1/events" "$TK" "$TMP/acked" & LOADPID=$!; PIDS+=($LOADPID)
sleep 2
check "uploads still running when the hub is killed" kill -0 "$LOADPID"
kill -9 "$HUBPID"; wait "$HUBPID" 2>/dev/null; wait "$LOADPID" 2>/dev/null
ACKED=$(grep -vc refused "$TMP/acked")
check_ge "load ran several batches before the kill" 3 "$ACKED"
check_eq "no batch refused before the kill" 0 "$(grep -c refused "$TMP/acked")"
start_hub --plain
missing=0
while read -r n; do
  c=$(q "SELECT count(*) FROM events WHERE tenant='k' AND event_id LIKE 'k$n-%'")
  [ "$c" = 500 ] || missing=$((missing + 1))
done < <(grep -v refused "$TMP/acked")
check_eq "after kill -9 and restart every acknowledged batch is stored ($ACKED batches)" 0 "$missing"
check_eq "no partial batch in the store (one transaction per batch)" 0 "$(q "SELECT count(*) FROM (SELECT substr(event_id,1,instr(event_id,'-')) p, count(*) c FROM events WHERE tenant='k' GROUP BY p HAVING c != 500)")"
check "hub serves again after the crash" bash -c "curl -sf '$URL/api/v1/health' >/dev/null"
check_eq "campaign state rebuilt: a repeat of an old event is a duplicate" '200 {"accepted":0,"duplicates":1}' "$(post "$TA" "$TMP/c1")"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null

# ---- TLS
check_rc "plain HTTP refused off loopback" 2 "$MAMORI" hub serve --dir "$H" --plain --listen 0.0.0.0:0
start_hub --tls
TURL="https://127.0.0.1:$(cat "$H/hub.port")"
check "HTTPS with the hub certificate pinned" bash -c "curl -sf --cacert '$H/hub-cert.pem' '$TURL/api/v1/health' | grep -q ok"
check_eq "HTTPS upload" 200 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$H/hub-cert.pem" -H "Authorization: Bearer $TB" --data-binary @"$TMP/one" "$TURL/api/v1/events")"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
check "clean stop on SIGTERM" bash -c "grep -q stopping '$TMP/serve.log'"
