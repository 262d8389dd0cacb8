#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-bus-upgrade.sh — `mamori hub bus upgrade` (docs/scale.md)
# against one nats-server -js started here on loopback: a stream MAMORI
# made the way an older mamori made it (limits policy) is refused while it
# holds batches no consumer has taken, and while a consumer has one
# delivered but not acked, and while a correlator's pull request waits
# on its consumer (unless --force); once the correlator's consumer has
# acked everything it is made again as a work queue (empty); then
# "already a work queue", and "no stream yet" without one.
# Skips (one TAP skip line) when nats-server is missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
if ! command -v nats-server >/dev/null; then
  echo "ok - # skip nats-server missing (scripts/deps installs it)"
  exit 0
fi
PORT=$(free_port)
nats-server -js -a 127.0.0.1 -p "$PORT" -sd "$TMP/js" -P "$TMP/nats.pid" \
  -l "$TMP/nats.log" >/dev/null 2>&1 &
NPID=$!
trap 'kill "$NPID" 2>/dev/null; wait "$NPID" 2>/dev/null; rm -rf "$TMP"' EXIT
BUS=nats://127.0.0.1:$PORT
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && break
  sleep 0.1
done

# js.py PORT CMD: the JetStream API over the plain NATS protocol (no
# client library): make-old (the stream as an older mamori made it, and 3
# batches), consume N ACK (the durable consumer "correlate" takes N, acks
# them when ACK is 1), info (retention messages), subjects, delete.
cat >"$TMP/js.py" <<'PY'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
buf = b""
def line():
    global buf
    while b"\r\n" not in buf:
        buf += s.recv(65536)
    l, buf = buf.split(b"\r\n", 1)
    return l
def data(n):
    global buf
    while len(buf) < n + 2:
        buf += s.recv(65536)
    d, buf = buf[:n], buf[n + 2:]
    return d
def msg():
    while True:
        l = line()
        if l.startswith(b"PING"):
            s.sendall(b"PONG\r\n")
        elif l.startswith(b"MSG"):
            p = l.split()
            return (p[3].decode() if len(p) == 5 else ""), data(int(p[-1]))
        elif l.startswith(b"-ERR"):
            sys.exit(l.decode())
n = 0
def pub(subj, body, reply=""):
    s.sendall(b"PUB %s %s %d\r\n%s\r\n" % (subj.encode(), reply.encode(), len(body), body))
def req(subj, body=b""):
    global n
    n += 1
    pub(subj, body, "_I.%d" % n)
    return json.loads(msg()[1])
line()  # INFO
s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _I.* 1\r\n')
cmd = sys.argv[2]
if cmd == "make-old":
    req("$JS.API.STREAM.CREATE.MAMORI", json.dumps({"name": "MAMORI", "subjects": ["mamori.batch.>"],
        "retention": "limits", "storage": "file", "num_replicas": 1}).encode())
    for t in "abc":
        req("mamori.batch." + t, b'{"event":{"id":"e1","kind":"event"}}\n')
elif cmd == "consume":
    req("$JS.API.CONSUMER.DURABLE.CREATE.MAMORI.correlate", json.dumps({"stream_name": "MAMORI",
        "config": {"durable_name": "correlate", "ack_policy": "explicit",
                   "filter_subject": "mamori.batch.>", "ack_wait": 3000000000}}).encode())
    k = int(sys.argv[3])
    n += 1
    pub("$JS.API.CONSUMER.MSG.NEXT.MAMORI.correlate", json.dumps({"batch": k, "expires": 2000000000}).encode(), "_I.%d" % n)
    acks = [msg()[0] for _ in range(k)]
    if sys.argv[4] == "1":
        for a in acks:
            pub(a, b"+ACK")
    req("$JS.API.INFO")  # a round trip: the acks were read before it
elif cmd == "wait-pull":  # a correlator's pull request, waiting N s
    n += 1
    pub("$JS.API.CONSUMER.MSG.NEXT.MAMORI.correlate", json.dumps({"batch": 1, "expires": int(sys.argv[3]) * 1000000000}).encode(), "_I.%d" % n)
    req("$JS.API.INFO")  # a round trip: the request was read before it
    print("waiting", flush=True)
    import time; time.sleep(int(sys.argv[3]))
elif cmd == "info":
    r = req("$JS.API.STREAM.INFO.MAMORI")
    print(r["config"]["retention"], r["state"]["messages"])
elif cmd == "subjects":
    print(" ".join(sorted(req("$JS.API.STREAM.INFO.MAMORI")["config"]["subjects"])))
elif cmd == "delete":
    req("$JS.API.STREAM.DELETE.MAMORI")
PY
js() { python3 "$TMP/js.py" "$PORT" "$@"; }

js make-old
check_eq "an older mamori's stream: limits policy, 3 batches" "limits 3" "$(js info)"
"$MAMORI" hub bus upgrade --bus "$BUS" >"$TMP/out1" 2>&1; rc=$?
check_eq "batches no consumer has taken: refused (exit 1)" 1 "$rc"
check "… saying why in Japanese and English" \
  grep -q 'まだ相関していないバッチが 3 件.*still holds 3 messages not yet correlated' "$TMP/out1"
check_eq "… and the stream is unchanged" "limits 3" "$(js info)"
js consume 2 0
"$MAMORI" hub bus upgrade --bus "$BUS" >"$TMP/out2" 2>&1; rc=$?
check_eq "two delivered, not acked, one not delivered: refused" "1 limits 3" "$rc $(js info)"
check "… counting the three" grep -q 'still holds 3 messages' "$TMP/out2"
sleep 3.2 # the two come back after the consumer's ack wait (3 s)
js consume 3 1
js wait-pull 4 >"$TMP/pull" &
WPID=$!
for _ in $(seq 50); do grep -q waiting "$TMP/pull" && break; sleep 0.1; done
"$MAMORI" hub bus upgrade --bus "$BUS" >"$TMP/out6" 2>&1; rc=$?
check_eq "everything acked, a correlator's pull request waiting: refused" "1 limits 3" "$rc $(js info)"
check "… naming its consumer, and that front ends cannot be seen (ja/en)" \
  grep -q '相関器が接続中です（コンシューマ correlate.*a correlator is attached (consumer correlate has 1 pull request(s) waiting).*front ends only publish, so they cannot be seen' "$TMP/out6"
"$MAMORI" hub bus upgrade --bus "$BUS" --force >"$TMP/out3" 2>&1; rc=$?
kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null
check_eq "everything acked, --force: recreated as a work queue, empty" "0 workqueue 0" "$rc $(js info)"
check "… and says so (ja/en)" grep -q '作業キューとして作り直しました.*recreated the stream MAMORI as a work queue' "$TMP/out3"
check_eq "… with the subjects front ends publish to" "mamori.batch.> mamori.part.>" "$(js subjects)"
"$MAMORI" hub bus upgrade --bus "$BUS" >"$TMP/out4" 2>&1; rc=$?
check_eq "run again: already a work queue" 0 "$rc"
check "… says so" grep -q 'work queue already' "$TMP/out4"
js delete
check_eq "no stream: nothing to do" 0 "$("$MAMORI" hub bus upgrade --bus "$BUS" >"$TMP/out5" 2>&1; echo $?)"
check "… says the first front end makes it" grep -q 'no stream MAMORI yet' "$TMP/out5"
check_rc "no server: exit 1" 1 "$MAMORI" hub bus upgrade --bus nats://127.0.0.1:1
check_rc "no --bus: usage (exit 2)" 2 "$MAMORI" hub bus upgrade
