#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-sensor-events.sh — what one sensor sends the hub, measured on
# the real sample logs (docs/scale.md, "Projection to 500,000 sensors"):
# each log is followed by a real `mamori sensor` whose [uplink] uploads to
# a SQLite hub on loopback, with the uplink settings of `mamori demo`
# (`send_events = authentication_failure, invalid_user`, public sources
# only) and the health reports off (`status_interval = 0`, counted apart:
# one per sensor per minute by default). When the sensor has read the
# whole file and the spool is empty it is stopped (final alerts are
# spooled and sent at stop). Reported per log: lines, events the uplink
# spooled (uplink.json next_seq) and the hub stored (alerts / events),
# sent per 1,000 lines, and — for logs a real system wrote over time —
# the log's time span (first to last stamp) and sent events per day, and
# the mean size of a sent event as the hub stores it (JSON bytes).
# Usage: bench/bench-sensor-events.sh   (MAMORI=build/mamori)
set -euo pipefail
cd "$(dirname "$0")/.."
MAMORI=${MAMORI:-build/mamori}
[ -x "$MAMORI" ] || make -s -j2 all
D=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-sensor.XXXXXX")
HUBPID=
trap '[ -n "$HUBPID" ] && kill "$HUBPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
"$MAMORI" hub init --dir "$D/hub" --listen 127.0.0.1:0 --plain >/dev/null
printf 'rate = 1000000\nburst = 1000000\n' >>"$D/hub/hub.conf"
"$MAMORI" hub serve --dir "$D/hub" 2>"$D/hub.log" & HUBPID=$!
for _ in $(seq 100); do [ -s "$D/hub/hub.port" ] && break; sleep 0.1; done
PORT=$(cat "$D/hub/hub.port")

# Real Windows records (EVTX-ATTACK-SAMPLES) as one-line event XML, the
# form the sensor follows (it does not read .evtx itself).
WD=tests/data/windows
if command -v evtxexport >/dev/null; then
  for f in "$WD"/*.evtx; do evtxexport -f xml "$f" 2>/dev/null; done | python3 -c '
import re, sys
for m in re.finditer(r"<Event .*?</Event>", sys.stdin.read(), re.S):
    print(re.sub(r">\s*\n\s*<", "><", m.group(0)).replace("\n", "&#10;"))' >"$D/windows-evtx.xml"
fi

# span FILE: seconds from the first to the last time stamp of the file's
# lines (syslog without year, Apache access and error, ISO 8601, event XML)
span() {
  python3 - "$1" <<'PY'
import re, sys
from datetime import datetime, timezone
pats = [
    (re.compile(r'SystemTime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)'), '%Y-%m-%dT%H:%M:%S'),
    (re.compile(r'\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d)'), '%d/%b/%Y:%H:%M:%S'),
    (re.compile(r'^\[\w{3} (\w{3} \d\d \d\d:\d\d:\d\d \d{4})\]'), '%b %d %H:%M:%S %Y'),
    (re.compile(r'^(?:<\d+>)?(\w{3} +\d+ \d\d:\d\d:\d\d)'), '%b %d %H:%M:%S'),
    (re.compile(r'(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)'), None),
]
ts = []
for line in open(sys.argv[1], errors='replace'):
    for rx, fmt in pats:
        m = rx.search(line)
        if not m:
            continue
        s = m.group(1)
        try:
            if fmt is None:
                t = datetime.fromisoformat(s.replace(' ', 'T'))
            else:
                t = datetime.strptime(re.sub(' +', ' ', s), fmt)
                if '%Y' not in fmt:
                    t = t.replace(year=2026)
            ts.append(t.replace(tzinfo=timezone.utc).timestamp())
        except ValueError:
            pass
        break
print('%.0f' % (max(ts) - min(ts)) if len(ts) > 1 else 0)
PY
}

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d$2)" "$1"; }

# measure NAME TYPE FILE REAL: one sensor over FILE; REAL=1 prints per day
measure() {
  local name=$1 type=$2 src=$3 real=$4 s=$D/$1
  [ -s "$src" ] || return 0
  mkdir -p "$s"
  local tok
  tok=$("$MAMORI" hub tenant add --dir "$D/hub" --id "$name" --name "$name" --kind sme 2>/dev/null)
  awk 1 "$src" >"$s/in.log" # a last line without newline is never complete
  local lines
  lines=$(awk 'END{print NR}' "$s/in.log")
  cat >"$s/sensor.conf" <<EOF
[sensor]
state_dir = $s
year = 2026
timezone = +00:00
state_interval = 1
status_interval = 1
rescan_ms = 100

[input $name]
path = $s/in.log
type = $type

[uplink]
hub_url = http://127.0.0.1:$PORT
token = $tok
spool_dir = $s/spool
tenant_secret = 0123456789abcdef$name
tenant = $name
send_events = authentication_failure, invalid_user
status_interval = 0
feed = false
EOF
  "$MAMORI" sensor --config "$s/sensor.conf" 2>"$s/sensor.log" & local pid=$!
  local read=0 pending=1
  for _ in $(seq 300); do
    sleep 0.2
    [ -s "$s/status.json" ] && [ -s "$s/uplink.json" ] || continue
    read=$(jget "$s/status.json" '["totals"]["lines"]')
    pending=$(jget "$s/uplink.json" '["spool"]["pending"]')
    [ "$read" -ge "$lines" ] && [ "$pending" = 0 ] && break
  done
  sleep 1.2 # one more uplink.json (every 2 s) after the last line
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local spooled alerts events sec bytes
  spooled=$(($(jget "$s/uplink.json" '["spool"]["next_seq"]') - 1))
  alerts=$(sqlite3 "$D/hub/hub.db" "SELECT count(*) FROM events WHERE tenant='$name' AND kind='alert'")
  events=$(sqlite3 "$D/hub/hub.db" "SELECT count(*) FROM events WHERE tenant='$name' AND kind<>'alert'")
  bytes=$(sqlite3 "$D/hub/hub.db" "SELECT coalesce(round(avg(length(json))),0) FROM events WHERE tenant='$name'")
  sec=$(span "$s/in.log")
  local per_day="-" days="-"
  if [ "$real" = 1 ] && [ "$sec" -gt 0 ]; then
    days=$(awk -v s="$sec" 'BEGIN{printf "%.2f", s/86400}')
    per_day=$(awk -v n="$spooled" -v s="$sec" 'BEGIN{printf "%.0f", n*86400/s}')
  fi
  printf '%-16s %-10s %7s %6s %7s %6s %7s %9s %8s %10s %7s\n' "$name" "$type" "$lines" \
    "$spooled" "$alerts" "$events" \
    "$(awk -v n="$spooled" -v l="$lines" 'BEGIN{printf "%.1f", 1000*n/l}')" \
    "$(awk -v n="$(jget "$s/status.json" '["totals"]["events"]')" -v l="$lines" 'BEGIN{printf "%.0f%%", 100*n/l}')" \
    "$days" "$per_day" "${bytes%.0}"
  [ "$read" -ge "$lines" ] || echo "  !! $name: the sensor read $read of $lines lines"
  [ "$((alerts + events))" = "$spooled" ] || echo "  !! $name: spooled $spooled, the hub stored $((alerts + events))"
}

printf '%-16s %-10s %7s %6s %7s %6s %7s %9s %8s %10s %7s\n' log type lines sent alerts events "/1k ln" parsed days "sent/day" "B/event"
echo "-- real logs written by real systems over time (data/samples)"
measure sshd-attacked syslog data/samples/loghub-OpenSSH_2k.log 1
measure linux-syslog syslog data/samples/loghub-Linux_2k.log 1
measure web-access web-access data/samples/elastic-apache_access_10k.log 1
measure web-error web-error data/samples/loghub-Apache_2k_error.log 1
echo "-- real Windows records of attack simulations (EVTX-ATTACK-SAMPLES; minutes of log, no per-day figure)"
measure windows-evtx windows "$D/windows-evtx.xml" 0
echo "-- lines written for the parser tests (attack-heavy by design; per line only)"
for v in fortigate panos cisco-asa sonicwall pulse openvpn yamaha; do
  measure "vpn-$v" auto "tests/data/vendors/$v.log" 0
done
measure win-winlogbeat windows "$WD/winlogbeat.ndjson" 0
measure win-snare windows "$WD/snare.log" 0
measure cloud-entra auto tests/data/entra-signins.ndjson 0
measure cloud-gworkspace auto tests/data/gworkspace-login.ndjson 0
echo "(sent = records the uplink spooled and uploaded: alerts, and authentication_failure/invalid_user events from public addresses; health reports off, 1 per minute per sensor by default = 1,440/day)"
