#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/sensor-syslog-tcp.sh — issue 12 §2 at the sensor: 64 idle TCP
# syslog connections used to lock out the next sender for ten minutes.
# Now: a per-address cap, an idle timeout, and a new sender takes the slot
# of the connection silent longest, so its lines are read at once.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

D=$TMP/s
mkdir -p "$D"
cat >"$D/sensor.conf" <<CONF
[sensor]
state_dir = $D/state
status_interval = 1
rescan_ms = 100

[syslog]
tcp = 127.0.0.1:0
CONF
"$MAMORI" sensor --config "$D/sensor.conf" 2>"$D/err" &
PID=$!; PIDS+=("$PID")
st() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d=next(x for x in d if x.get("name")==k) if isinstance(d,list) else d[k]
print(d)' "$D/state/status.json" "$1" 2>/dev/null; }
for _ in $(seq 100); do [ -n "$(st syslog.tcp_port)" ] && break; sleep 0.1; done
TCP=$(st syslog.tcp_port)
check "syslog TCP port bound" test "${TCP:-0}" -gt 0

# idle connections: 64 from one address (the per-address cap keeps 16),
# then 64 from four more addresses: every slot (max_connections 64) taken
cat >"$TMP/idle.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); socks = []
for src, n in (("127.0.0.1", 64), ("127.0.0.2", 16), ("127.0.0.3", 16), ("127.0.0.4", 16), ("127.0.0.5", 16)):
    for _ in range(n):
        s = socket.socket(); s.bind((src, 0)); s.connect(("127.0.0.1", port)); socks.append(s)
print("open", flush=True)
time.sleep(30)
PY
python3 "$TMP/idle.py" "$TCP" >"$TMP/idle.out" &
IDLE=$!; PIDS+=("$IDLE")
for _ in $(seq 100); do grep -q open "$TMP/idle.out" 2>/dev/null && break; sleep 0.1; done
rej() { [ "$(st syslog.rejected)" -ge 48 ]; }
for _ in $(seq 30); do rej && break; sleep 0.1; done
check "one address holds at most max_connections_per_ip (16): 48 refused" rej
sleep 1.2   # the idle connections have been silent more than a second

# the next sender, from yet another address: its line is read at once
python3 - "$TCP" <<'PY'
import socket, sys
s = socket.socket(); s.bind(("127.0.0.9", 0)); s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"<38>Dec 10 06:55:48 host sshd[1]: Failed password for root from 45.33.32.1 port 22 ssh2\n")
s.close()
PY
one() { [ "$(st sources.syslog-tcp.lines)" = 1 ]; }
t0=$(date +%s.%N)
for _ in $(seq 40); do one && break; sleep 0.05; done
t1=$(date +%s.%N)
check "with 64 idle connections open, the next sender's line is read" one
check "... within 2 s" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 2.0 else 1)"
kill "$IDLE" 2>/dev/null; wait "$IDLE" 2>/dev/null

# idle_timeout: a silent connection is closed after it
kill "$PID"; wait "$PID" 2>/dev/null
echo "idle_timeout = 2" >>"$D/sensor.conf"
rm -f "$D/state/status.json"
"$MAMORI" sensor --config "$D/sensor.conf" 2>>"$D/err" &
PID=$!; PIDS+=("$PID")
for _ in $(seq 100); do [ -n "$(st syslog.tcp_port)" ] && break; sleep 0.1; done
TCP=$(st syslog.tcp_port)
python3 - "$TCP" >"$TMP/idle2" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(10)
t = time.time()
try:
    d = s.recv(1)
except OSError:
    d = None
print("closed" if d == b"" else "open", round(time.time() - t, 1))
PY
check "a silent connection is closed after idle_timeout (2 s)" awk '$1=="closed" && $2>=1.5 && $2<5 {f=1} END {exit !f}' "$TMP/idle2"
t0=$(date +%s.%N); kill "$PID"; wait "$PID" 2>/dev/null; t1=$(date +%s.%N)
check "SIGTERM still stops the sensor within a second" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 1.0 else 1)"
