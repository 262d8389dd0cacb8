#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/sensor.sh — drives the real `mamori sensor` daemon: file
# following across partial lines, rename rotation, copytruncate, a restart
# with a rotation while stopped (no line lost, none counted twice), syslog
# over UDP and TCP (octet-counting and newline framing), SIGHUP reload of
# indicators (good and bad), hostile input, and bad configs (exit 2).
. "$(dirname "$0")/lib.sh"
set -u

SAMPLE=$SRCDIR/data/samples/loghub-OpenSSH_2k.log
D=$TMP/sensor
mkdir -p "$D/logs"
LOG=$D/logs/auth.log
ALL=$D/all.log
# The sample's last line has no newline; give it one so every line is
# complete: 2,000 lines.
{ cat "$SAMPLE"; echo; } >"$ALL"
TOTAL=$(wc -l <"$ALL")
IOC=$D/bad-ips.txt
printf '# test indicators\n5.6.7.8\n' >"$IOC"
# An address the sample never mentions, added to the indicators later.
NEWBAD=45.76.11.22

CONF=$D/sensor.conf
cat >"$CONF" <<EOF
# e2e sensor config
[sensor]
state_dir = $D/state
alerts = $D/alerts.json
alerts_max_bytes = 1M
alerts_keep = 2
ioc = $IOC
year = 2015
timezone = +00:00
state_interval = 1
status_interval = 1
rescan_ms = 200

[input auth]
path = $LOG
type = syslog

[syslog]
udp = 127.0.0.1:0
tcp = 127.0.0.1:0
max_connections = 4
EOF

STATUS=$D/state/status.json
PID=
ERRLOG=$D/stderr.txt

# wait_for SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
  local t=$(( $1 * 10 )); shift
  while [ "$t" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
  return 1
}
# JSON reads. status.json is one line and its objects are flat one level
# down, so sed/grep are enough and fast (python3 starts slowly on a busy
# machine). status .a or .a.b: a member; src NAME FIELD: a member of one
# source. python3 checks the files as real JSON below.
jfield() { grep -o "\"$1\":[^,}]*" | head -n 1 | cut -d: -f2- | tr -d '"'; }
status() {
  local path=${1#.} obj
  obj=$(cat "$STATUS" 2>/dev/null) || return 1
  case $path in
    *.*) obj=$(grep -o "\"${path%%.*}\":{[^}]*}" <<<"$obj"); path=${path#*.} ;;
  esac
  jfield "$path" <<<"$obj"
}
src() { grep -o "{\"name\":\"$1\"[^}]*}" "$STATUS" 2>/dev/null | jfield "$2"; }
json_get() {
  python3 - "$@" 2>/dev/null <<'EOPY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].strip(".").split("."):
    d = d[k]
print(d if isinstance(d, str) else json.dumps(d))
EOPY
}
# json_lines FILE: every line is one JSON object.
json_lines() { python3 -c 'import json,sys
for l in open(sys.argv[1]): assert isinstance(json.loads(l), dict)' "$1"; }
# bytes FROM TO: bytes [FROM, TO) of the whole stream.
bytes() { tail -c +$(( $1 + 1 )) "$ALL" | head -c $(( $2 - $1 )); }
# L N: byte offset just after line N.
L() { head -n "$1" "$ALL" | wc -c; }
alive() { kill -0 "$PID" 2>/dev/null; }
started() { [ "$(status .pid)" = "$PID" ] && [ "$(status .running)" = true ]; }
start() {
  "$MAMORI" sensor --config "$CONF" 2>>"$ERRLOG" &
  PID=$!
  wait_for 10 started
}
stop() {
  kill -TERM "$PID" 2>/dev/null
  local rc=0
  wait "$PID" || rc=$?
  PID=
  return $rc
}
cleanup() { [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
lines_are() { [ "$(src auth lines)" = "$1" ]; }

# ---- bad configs: exit 2, file:line on stderr ----------------------------
printf '[sensor]\nstate_dir = %s\nbogus = 1\n' "$D/x" >"$D/bad.conf"
rc=0; timeout 10 "$MAMORI" sensor --config "$D/bad.conf" 2>"$D/bad.err" || rc=$?
check_eq "bad config key exits 2" 2 "$rc"
check "bad config names file:line" grep -qF "$D/bad.conf:3: unknown key 'bogus' in [sensor]" "$D/bad.err"
printf '[sensor]\nstate_dir = %s\nioc = %s\n[input a]\npath = %s\n' "$D/x" "$D/badioc.txt" "$LOG" >"$D/bad2.conf"
printf '1.2.3.4\nnot an indicator !!\n' >"$D/badioc.txt"
rc=0; timeout 10 "$MAMORI" sensor --config "$D/bad2.conf" 2>"$D/bad2.err" || rc=$?
check_eq "bad indicator file exits 2" 2 "$rc"
check "bad indicator file names file:line" grep -qF "$D/badioc.txt:2" "$D/bad2.err"
check_rc "missing --config is a usage error" 2 "$MAMORI" sensor
check_rc "--check accepts the good config" 0 "$MAMORI" sensor --config "$CONF" --check

# ---- follow: waits for the file, partial lines, rename, copytruncate -------
start
check "sensor starts and writes status.json" started
bytes 0 $(( $(L 300) + 17 )) >>"$LOG"            # ends inside a line
bytes $(( $(L 300) + 17 )) $(( $(L 700) + 5 )) >>"$LOG"
check "reads appended lines, holds the partial one" wait_for 5 lines_are 700
# Rotation by rename; the writer still appends to the old file, then a new
# file appears at the path.
mv "$LOG" "$LOG.1"
bytes $(( $(L 700) + 5 )) "$(L 800)" >>"$LOG.1"
bytes "$(L 800)" $(( $(L 1000) + 30 )) >>"$LOG"
check "rename rotation: old file finished, new file followed" wait_for 5 lines_are 1000
check_eq "rename rotation counted" 1 "$(src auth rotations)"
# copytruncate right after an append (the sensor may not have read it yet:
# the rest is taken from the copy).
bytes $(( $(L 1000) + 30 )) "$(L 1200)" >>"$LOG"
cp "$LOG" "$LOG.2"; : >"$LOG"
bytes "$(L 1200)" $(( $(L 1400) + 11 )) >>"$LOG"
check "copytruncate: no line lost or repeated" wait_for 5 lines_are 1400
check_ge "copytruncate counted" 1 "$(src auth truncations)"

# ---- stop, rotate while stopped, restart ----------------------------------
rc=0; stop || rc=$?
check_eq "SIGTERM stops cleanly" 0 "$rc"
check_eq "status says stopped" false "$(status .running)"
bytes $(( $(L 1400) + 11 )) "$(L 1500)" >>"$LOG"
mv "$LOG" "$LOG.3"
bytes "$(L 1500)" $(( $(L 1600) + 3 )) >>"$LOG"
start
bytes $(( $(L 1600) + 3 )) "$(wc -c <"$ALL")" >>"$LOG"
check "restart: rotated-while-stopped file finished, then the new one" wait_for 8 lines_are "$TOTAL"
sleep 0.5
check_eq "lines read = lines written ($TOTAL), no loss, no duplicates" "$TOTAL" "$(src auth lines)"
check_eq "every line parsed or skipped, none unparsed" 0 "$(src auth unparsed)"
ev=$(src auth events); sk=$(src auth skipped)
check_eq "events + skipped = lines" "$TOTAL" "$((ev + sk))"
bf() { grep '"ssh.bruteforce"' "$D/alerts.json" | grep -q '"183.62.140.253"'; }
check "ssh.bruteforce alert for 183.62.140.253" wait_for 5 bf
bf2() { grep '"ssh.bruteforce"' "$D/alerts.json" | grep -q '"187.141.143.180"'; }
check "ssh.bruteforce alert for 187.141.143.180" bf2
check "alerts file is JSON lines" json_lines "$D/alerts.json"

# ---- syslog over UDP and TCP ----------------------------------------------
UDP=$(status .syslog.udp_port); TCP=$(status .syslog.tcp_port)
check "syslog ports bound" test "$UDP" -gt 0 -a "$TCP" -gt 0
m1='<38>Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186'
m2='<38>Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2'
m3='<38>1 2015-12-10T06:55:48Z LabSZ sshd 24200 - - Failed password for root from 173.234.31.186 port 38926 ssh2'
printf '%s' "$m1" >/dev/udp/127.0.0.1/"$UDP"
printf '%s\n' "$m2" >/dev/udp/127.0.0.1/"$UDP"
udp_two() { [ "$(src syslog-udp lines)" = 2 ]; }
check "UDP: two datagrams, two lines" wait_for 5 udp_two
check_eq "UDP lines parsed as events" 2 "$(src syslog-udp events)"
# One TCP connection mixing octet counting and
# newline framing; a second with newline framing only, sent in pieces.
{
  printf '%d %s' "${#m3}" "$m3"
  printf '%s\n' "$m1"
  printf '%d %s' "${#m2}" "$m2"
} >/dev/tcp/127.0.0.1/"$TCP"
exec 3<>/dev/tcp/127.0.0.1/"$TCP"
printf '%s' "${m1:0:20}" >&3; sleep 0.1; printf '%s\n%s' "${m1:20}" "${m2:0:9}" >&3
sleep 0.1; printf '%s\n' "${m2:9}" >&3
exec 3>&-
tcp_five() { [ "$(src syslog-tcp lines)" = 5 ]; }
check "TCP: octet-counted and newline-framed messages, 5 lines" wait_for 5 tcp_five
check_eq "TCP lines parsed as events" 5 "$(src syslog-tcp events)"

# ---- SIGHUP: a new indicator raises an alert without restart --------------
ioc_alert() { grep '"ioc.ip"' "$D/alerts.json" | grep -q "\"$NEWBAD\""; }
printf '<38>Dec 10 07:00:00 LabSZ sshd[1]: Failed password for root from %s port 2222 ssh2\n' "$NEWBAD" >/dev/udp/127.0.0.1/"$UDP"
udp_three() { [ "$(src syslog-udp lines)" = 3 ]; }
wait_for 5 udp_three
check "before reload: no indicator alert for $NEWBAD" test ! "$(ioc_alert && echo y)"
printf '%s\n' "$NEWBAD" >>"$IOC"
kill -HUP "$PID"
reloaded() { [ "$(status .rules.reloads)" = 1 ]; }
check "SIGHUP reloads the rules" wait_for 5 reloaded
printf '<38>Dec 10 07:00:05 LabSZ sshd[1]: Failed password for root from %s port 2222 ssh2\n' "$NEWBAD" >/dev/udp/127.0.0.1/"$UDP"
check "after reload: ioc.ip alert for $NEWBAD" wait_for 5 ioc_alert
# A broken indicator file: reload fails with file:line, old rules stay.
printf 'this is not an address\n' >>"$IOC"
kill -HUP "$PID"
failed_reload() { [ "$(status .rules.reload_failures)" = 1 ]; }
check "bad reload is refused" wait_for 5 failed_reload
check "bad reload logged with file:line" grep -qF "$IOC:4" "$ERRLOG"
check "sensor still running after bad reload" alive

# ---- hostile input --------------------------------------------------------
before=$(src auth lines); trunc_before=$(src auth truncated); unp_before=$(src auth unparsed)
{ head -c 1048576 /dev/zero | tr '\0' 'A'; echo; } >>"$LOG"
head -c 65536 /dev/urandom >"$D/garbage"; echo >>"$D/garbage"
cat "$D/garbage" >>"$LOG"
want=$(( before + 1 + $(wc -l <"$D/garbage") ))
check "1 MiB line and binary garbage: every line counted" wait_for 8 lines_are "$want"
check "sensor still running after hostile input" alive
check_ge "the 1 MiB line counted as truncated" $(( trunc_before + 1 )) "$(src auth truncated)"
check_ge "garbage counted as unparsed" $(( unp_before + 2 )) "$(src auth unparsed)"
# Hostile TCP: a huge octet count, a connection flood beyond the cap.
printf '99999999 <38>x' >/dev/tcp/127.0.0.1/"$TCP"
for i in 1 2 3 4 5 6; do exec {fd}<>/dev/tcp/127.0.0.1/"$TCP"; eval "fd$i=$fd"; done
sleep 0.3
rejected() { [ "$(status .syslog.rejected)" -ge 2 ]; }
check "connections beyond max_connections are refused" wait_for 5 rejected
for i in 1 2 3 4 5 6; do eval "exec {fd$i}>&-"; done
check "sensor still running after the TCP flood" alive

rc=0; stop || rc=$?
check_eq "SIGTERM stops cleanly at the end" 0 "$rc"
state_v1() { [ "$(json_get "$D/state/state.json" .version)" = 1 ]; }
check "state file is valid JSON" state_v1
check "no stray temporary files" test ! -e "$D/state/state.json.tmp"

# ---- a corrupt state file: kept aside, warning, files read from their end --
printf '{"version":1,"sources":[{"name":' >"$D/state/state.json"
printf '5.6.7.8\n' >"$IOC"   # the broken indicator file would stop the start
start
check "corrupt state: sensor still starts" started
check_eq "corrupt state: status says state_reset" true "$(status .state_reset)"
check "corrupt state kept as state.json.corrupt" test -f "$D/state/state.json.corrupt"
check "corrupt state: warning names the file" grep -qF "$D/state/state.json" "$ERRLOG"
head -n 10 "$ALL" >>"$LOG"
check "corrupt state: old lines not read again, new ones read" wait_for 5 lines_are 10
rc=0; stop || rc=$?
check_eq "SIGTERM after the reset stops cleanly" 0 "$rc"

# ---- stress: identical content in every rotated file (heads all equal), ----
# rename and copytruncate in bursts (append + copy + truncate before the
# sensor looks), restarts in between: still every line exactly once.
S2=$TMP/stress; mkdir -p "$S2"
cat >"$S2/s.conf" <<EOC
[sensor]
state_dir = $S2/state
status_interval = 1
state_interval = 1
rescan_ms = 100
year = 2015
[input a]
path = $S2/a.log
type = syslog
EOC
CONF_SAVE=$CONF; CONF=$S2/s.conf; STATUS=$S2/state/status.json
start
written=0
for round in 1 2 3 4 5 6 7 8 9 10 11 12; do
  for k in 1 2 3 4 5; do head -n $((40 * k)) "$ALL" | tail -n 40 >>"$S2/a.log"; written=$((written + 40)); done
  case $((round % 3)) in
    0) mv "$S2/a.log" "$S2/a.log.$round" ;;
    1) cp "$S2/a.log" "$S2/a.log.c$round"; : >"$S2/a.log" ;;
  esac
  sleep 0.3
  if [ $((round % 4)) = 0 ]; then stop; start; fi
done
stress_done() { [ "$(src a lines)" = "$written" ]; }
check "stress: $written lines through 8 rotations and 3 restarts, exactly once" wait_for 5 stress_done
sleep 0.3
check_eq "stress: no line counted twice" "$written" "$(src a lines)"
check_ge "stress: copytruncates seen" 4 "$(src a truncations)"
check_ge "stress: renames seen" 3 "$(src a rotations)"
rc=0; stop || rc=$?
check_eq "stress: clean stop" 0 "$rc"
CONF=$CONF_SAVE
