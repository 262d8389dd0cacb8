#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-trust.sh — issue 12 attacks against the hub, reproduced with
# the real binary and shown to fail: a newline / free text in source.domain
# (feed.txt must never serve 0.0.0.0/0, no scam sentence in a warning), a
# poisoned indicator already in the store, /metrics, TLS versions, idle
# connections.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
# line ID IP DOMAIN-JSON-STRING
line() {
  printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"mail.phish"},"source":{"ip":"%s","domain":%s}}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "$3"
}
post() { # post TOKEN FILE -> "CODE BODY"
  curl -s -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer $1" \
    --data-binary @"$2" "$URL/api/v1/events"
  echo " $(cat "$TMP/resp")"
}
start_hub() {
  hub_serve "$H" "$@"
}
q() { sqlite3 "$H/hub.db" "$1"; }
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
TA=$(tok --id a --name A --kind sme)
TB=$(tok --id b --name B --kind sme)
TC=$(tok --id c --name C --kind sme)
TX=$(tok --id x --name Buyer --kind buyer)
"$MAMORI" hub link --dir "$H" a x --disclose >/dev/null 2>&1
"$MAMORI" hub link --dir "$H" b x --disclose >/dev/null 2>&1
start_hub --plain

# ---- §3: a newline in source.domain (it made feed.txt serve 0.0.0.0/0)
line a1 45.33.32.1 '"evil.example\n0.0.0.0/0"' >"$TMP/n1"
line b1 45.33.32.1 '"evil.example\n0.0.0.0/0"' >"$TMP/n2"
r1=$(post "$TA" "$TMP/n1"); r2=$(post "$TB" "$TMP/n2")
check_eq "newline domain: 400" "400 400" "${r1%% *} ${r2%% *}"
check "newline domain: the error names source.domain" grep -q 'source.domain' "$TMP/resp"
curl -s -H "Authorization: Bearer $TC" "$URL/api/v1/feed.txt" >"$TMP/feed.txt"
check "feed.txt never serves 0.0.0.0/0" bash -c "! grep -q '0\.0\.0\.0' '$TMP/feed.txt'"
check_eq "nothing of the rejected batches stored" 0 "$(q "SELECT count(*) FROM events WHERE event_id IN ('a1','b1')")"

# ---- §3: two SMEs quoting a scam sentence in source.domain
SCAM='"お取引先の口座が変更になりました。新しい口座にお振込みください"'
line a2 45.33.32.2 "$SCAM" >"$TMP/s1"; line b2 45.33.32.2 "$SCAM" >"$TMP/s2"
r1=$(post "$TA" "$TMP/s1"); r2=$(post "$TB" "$TMP/s2")
check_eq "scam-text domain: 400" "400 400" "${r1%% *} ${r2%% *}"
curl -s -H "Authorization: Bearer $TX" "$URL/api/v1/inbox" >"$TMP/inbox-x"
check "scam text never reaches the buyer's inbox" bash -c "! grep -q '口座' '$TMP/inbox-x'"

# ---- a valid domain still correlates and is shared
line a3 45.33.32.3 '"Phish.Example.COM."' >"$TMP/v1"; line b3 45.33.32.3 '"phish.example.com"' >"$TMP/v2"
r1=$(post "$TA" "$TMP/v1"); r2=$(post "$TB" "$TMP/v2")
check_eq "valid domain: 200" "200 200" "${r1%% *} ${r2%% *}"
check "valid domain shared in feed.txt" bash -c "curl -s -H 'Authorization: Bearer $TC' '$URL/api/v1/feed.txt' | grep -qx 'phish.example.com'"

# ---- defence in depth: an indicator of the wrong type already in the store
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
NOW=$(($(date +%s) * 1000))
q "INSERT INTO indicators(type,value,campaign,confidence,first_seen,last_seen,valid_until,seq) VALUES
  ('domain-name','old.example' || char(10) || '0.0.0.0/0',1,80,$NOW,$NOW,$((NOW + 86400000)),(SELECT max(seq)+1 FROM indicators)),
  ('ipv4-addr','0.0.0.0/0',1,80,$NOW,$NOW,$((NOW + 86400000)),(SELECT max(seq)+2 FROM indicators)),
  ('ipv6-addr','::/0',1,80,$NOW,$NOW,$((NOW + 86400000)),(SELECT max(seq)+3 FROM indicators))"
start_hub --plain
curl -s -H "Authorization: Bearer $TC" "$URL/api/v1/feed.txt" >"$TMP/feed2.txt"
curl -s -H "Authorization: Bearer $TC" "$URL/api/v1/feed.nft" >"$TMP/feed2.nft"
curl -s -H "Authorization: Bearer $TC" "$URL/api/v1/feed" >"$TMP/feed2.json"
check "stored poison: feed.txt has no network and no second line" bash -c "! grep -qE '0\.0\.0\.0|::/0|old\.example' '$TMP/feed2.txt' && grep -qx 'phish.example.com' '$TMP/feed2.txt'"
check "stored poison: feed.nft has no network" bash -c "! grep -qE '0\.0\.0\.0|::/0' '$TMP/feed2.nft'"
check "stored poison: feed JSON has none of them" bash -c "! grep -qE '0\.0\.0\.0|::/0|old\.example' '$TMP/feed2.json'"

# ---- §6: /metrics is the operator's (loopback), never a tenant token's
check_eq "metrics from loopback" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
# a non-loopback address of this host, to reach the hub from off loopback
EXT=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.' | grep -v '^127\.' | head -1)
start_hub --tls --listen 0.0.0.0:0
PORT=$(cat "$H/hub.port")
if [ -n "$EXT" ]; then
  check_eq "metrics off loopback with an SME token: 403" 403 "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TA" "https://$EXT:$PORT/metrics")"
  check_eq "metrics off loopback without a token: 403" 403 "$(curl -sk -o /dev/null -w '%{http_code}' "https://$EXT:$PORT/metrics")"
else
  ok "metrics off loopback # SKIP no non-loopback address"
fi

# ---- §6: TLS 1.2+ only
check "TLS 1.1 handshake refused" bash -c "! echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' 2>&1 | grep -q 'Cipher is [A-Z]'"
check "TLS 1.0 handshake refused" bash -c "! echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1 -cipher 'DEFAULT:@SECLEVEL=0' 2>&1 | grep -q 'Cipher is [A-Z]'"
check "TLS 1.2 accepted" bash -c "echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_2 2>&1 | grep -q 'Protocol *: TLSv1.2'"
check "TLS 1.3 accepted" bash -c "echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_3 2>&1 | grep -q 'TLSv1.3'"
check "TLS 1.2 without forward secrecy refused" bash -c "! echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_2 -cipher AES128-SHA 2>&1 | grep -q 'Cipher is [A-Z]'"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null

# ---- §2: 2,000 idle TCP connections from one address (no token needed)
# used to lock every client out; with the per-address limit another client
# is served within a second, and an idle connection is closed after
# idle_timeout.
cat >"$TMP/idle.py" <<'PY'
import socket, sys, time
host, port, n, src = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
socks = []
for _ in range(n):
    s = socket.socket()
    s.bind((src, 0))
    try:
        s.connect((host, port))
    except OSError:
        pass
    socks.append(s)
print("open", flush=True)
time.sleep(float(sys.argv[5]))
PY
start_hub --plain
PORT=$(cat "$H/hub.port")
python3 "$TMP/idle.py" 127.0.0.1 "$PORT" 2000 127.0.0.1 60 >"$TMP/idle.out" &
IDLE=$!; PIDS+=("$IDLE")
for _ in $(seq 100); do grep -q open "$TMP/idle.out" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
line i1 45.33.32.9 '"ok.example"' >"$TMP/i1"
t0=$(date +%s.%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --interface 127.0.0.2 -H "Authorization: Bearer $TC" --data-binary @"$TMP/i1" "$URL/api/v1/events")
t1=$(date +%s.%N)
check_eq "2,000 idle connections from one address: another client's upload succeeds" 200 "$code"
check "... within 1 s" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 1.0 else 1)"
check_eq "... and the health check too" 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --interface 127.0.0.3 "$URL/api/v1/health")"
kill "$IDLE" 2>/dev/null; wait "$IDLE" 2>/dev/null
# an idle connection is closed by the hub after idle_timeout (2 s here)
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
echo "idle_timeout = 2" >>"$H/hub.conf"
start_hub --plain
PORT=$(cat "$H/hub.port")
python3 - "$PORT" >"$TMP/idle2" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
t = time.time()
try:
    d = s.recv(1)
except OSError:
    d = None
print("closed" if d == b"" else "open", round(time.time() - t, 1))
PY
P2=$!; wait "$P2"
check "an idle connection is closed after idle_timeout" bash -c "awk '\$1==\"closed\" && \$2>=1.5 && \$2<6 {f=1} END {exit !f}' '$TMP/idle2'"
check "hub.conf lists the connection limits" bash -c "grep -q '^max_connections = 22000' '$H/hub.conf' && grep -q '^max_connections_per_ip = 256' '$H/hub.conf' && grep -q '^idle_timeout = 15' '$H/hub.conf'"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
