#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/sensor-files.sh — issue 12 §6: a symbolic link and a FIFO in
# place of a log file. The sensor (root) must not read the link's target,
# must not hang in open() on the FIFO, must say why in its log, and must
# still stop within a second on SIGTERM.
. "$(dirname "$0")/lib.sh"
set -u

D=$TMP/sensor
mkdir -p "$D/logs"
printf 'Dec 10 06:55:46 h sshd[1]: Failed password for root from 45.33.32.156 port 1 ssh2\n' >"$D/secret.log"
ln -s "$D/secret.log" "$D/logs/linked.log"
mkfifo "$D/logs/fifo.log"
cat >"$D/sensor.conf" <<EOC
[sensor]
state_dir = $D/state
alerts = $D/alerts.json
year = 2015
timezone = +00:00
status_interval = 1
rescan_ms = 200

[input linked]
path = $D/logs/linked.log
type = syslog

[input fifo]
path = $D/logs/fifo.log
type = syslog
EOC
"$MAMORI" sensor --config "$D/sensor.conf" 2>"$D/err" &
PID=$!
for _ in $(seq 50); do grep -q '"running":true' "$D/state/status.json" 2>/dev/null && break; sleep 0.1; done
sleep 1
check "sensor running with a FIFO as its log path (open did not hang)" bash -c "grep -q '\"running\":true' '$D/state/status.json'"
check "the symbolic link is refused with a reason" grep -q "linked.log.*symbolic link is not followed" "$D/err"
check "the FIFO is refused with a reason" grep -q "fifo.log.*not a regular file" "$D/err"
lines() { grep -o "{\"name\":\"$1\"[^}]*}" "$D/state/status.json" | grep -o '"lines":[0-9]*' | cut -d: -f2; }
check_eq "nothing read through the link" 0 "$(lines linked)"
check_eq "nothing read from the FIFO" 0 "$(lines fifo)"
t0=$(date +%s.%N)
kill -TERM "$PID"
for _ in $(seq 30); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
t1=$(date +%s.%N)
kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
check "SIGTERM stops the sensor within a second" python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 1.0 else 1)"
