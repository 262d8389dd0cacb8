#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-connections.sh — issue 12 §2: ~1,100 idle TCP connections
# or 1,020 parked feed long polls used to lock every client out. Now: 2,000
# idle connections and 5,000 parked long polls at once (suspended: no
# thread and no upload slot held) while a normal upload is answered within
# 1 s; every parked poll is answered when the feed moves; a 401 closes its
# connection.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
M() { "$MAMORI" hub "$@" 2>/dev/null; }
M init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null
TA=$(M tenant add --dir "$H" --id a --name A --kind sme)
TB=$(M tenant add --dir "$H" --id b --name B --kind sme)
TC=$(M tenant add --dir "$H" --id c --name C --kind sme)
"$MAMORI" hub serve --dir "$H" --plain 2>>"$TMP/serve.log" &
HUBPID=$!; PIDS+=("$HUBPID")
for _ in $(seq 100); do [ -s "$H/hub.port" ] && break; sleep 0.1; done
PORT=$(cat "$H/hub.port"); URL="http://127.0.0.1:$PORT"
CUR=$(curl -s -H "Authorization: Bearer $TC" "$URL/api/v1/feed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')

cat >"$TMP/load.py" <<'PY'
import os, resource, selectors, socket, sys, time
port, tok, cur, go = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
def conn(src):
    s = socket.socket(); s.bind((src, 0)); s.connect(("127.0.0.1", port)); return s
idle = [conn("127.0.2.%d" % (1 + i // 250)) for i in range(2000)]
req = ("GET /api/v1/feed?since=%s&wait=30 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer %s\r\n\r\n" % (cur, tok)).encode()
polls = []
for i in range(5000):
    s = conn("127.0.1.%d" % (1 + i // 250)); s.sendall(req); polls.append(s)
print("open %d %d" % (len(idle), len(polls)), flush=True)
while not os.path.exists(go):
    time.sleep(0.05)
t0 = time.time()
sel = selectors.DefaultSelector()
for s in polls:
    s.setblocking(False); sel.register(s, selectors.EVENT_READ)
answered = 0; buf = {}
while answered < len(polls) and time.time() - t0 < 20:
    for key, _ in sel.select(timeout=1):
        s = key.fileobj
        try:
            d = s.recv(4096)
        except BlockingIOError:
            continue
        b = buf.get(s, b"") + d; buf[s] = b
        if b.startswith(b"HTTP/1.1 200") and b"ip" in b or not d:
            answered += b.startswith(b"HTTP/1.1 200"); sel.unregister(s)
print("answered %d %.1f" % (answered, time.time() - t0), flush=True)
time.sleep(1)
PY
python3 "$TMP/load.py" "$PORT" "$TC" "$CUR" "$TMP/go" >"$TMP/load.out" 2>"$TMP/load.err" &
LOAD=$!; PIDS+=("$LOAD")
for _ in $(seq 300); do grep -q '^open' "$TMP/load.out" 2>/dev/null && break; sleep 0.1; done
check_eq "2,000 idle connections and 5,000 long polls opened" "open 2000 5000" "$(grep '^open' "$TMP/load.out")"
parked() { [ "$(curl -s "$URL/metrics" | awk '$1=="mamori_hub_longpolls_parked"{print $2}')" -ge 5000 ]; }
for _ in $(seq 100); do parked && break; sleep 0.1; done
check "5,000 long polls parked at the hub" parked

ev() { printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"45.33.32.77"}}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" >"$TMP/$1"; }
ev a1; ev b1
t0=$(date +%s.%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --interface 127.0.0.3 -H "Authorization: Bearer $TA" --data-binary @"$TMP/a1" "$URL/api/v1/events")
t1=$(date +%s.%N)
check_eq "meanwhile a normal upload succeeds" 200 "$code"
check "... within 1 s ($(python3 -c "print(round($t1 - $t0, 3))") s)" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 1.0 else 1)"
check_eq "... and the health check" 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/api/v1/health")"

# the second tenant's sighting opens a campaign: the feed moves and every
# parked poll is answered
touch "$TMP/go"
check_eq "second upload (feed moves)" 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --interface 127.0.0.4 -H "Authorization: Bearer $TB" --data-binary @"$TMP/b1" "$URL/api/v1/events")"
for _ in $(seq 250); do grep -q '^answered' "$TMP/load.out" && break; sleep 0.1; done
check "every parked poll answered with the new indicator ($(grep '^answered' "$TMP/load.out"))" bash -c "grep -q '^answered 5000 ' '$TMP/load.out'"
kill "$LOAD" 2>/dev/null; wait "$LOAD" 2>/dev/null

# a 401 closes its connection (an unauthenticated client keeps no slot)
python3 - "$PORT" >"$TMP/u401" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
s.sendall(b"GET /api/v1/feed HTTP/1.1\r\nHost: h\r\n\r\n")
d = b""
try:
    while True:
        x = s.recv(4096)
        if not x: break
        d += x
    print("closed" if d.startswith(b"HTTP/1.1 401") else "other")
except socket.timeout:
    print("open")
PY
check_eq "a 401 closes the connection" closed "$(cat "$TMP/u401")"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
