#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/vendors.sh — VPN appliances, UTMs and routers through the real
# binary: one sample per vendor (tests/data/vendors/) under `type = auto`
# and `type = syslog` (the documented default of a [syslog] source) parses
# with no unparsed line; `mamori scan` raises the expected rule ids for the
# expected attacker addresses; 24 FortiGate SSL-VPN failures raise the VPN
# brute force and the success after them the critical alert; and the same
# FortiGate and YAMAHA lines sent to `mamori sensor` over syslog raise it.
. "$(dirname "$0")/lib.sh"
set -u

V=$SRCDIR/tests/data/vendors

# summary FILE TYPE FIELD: a count from logtest's stderr summary line.
summary() {
  "$MAMORI" logtest --type "$2" "$1" 2>&1 >/dev/null | tail -n 1 |
    sed -n "s/.* \([0-9][0-9]*\) $3.*/\1/p"
}
# alerts FILE: "rule.id source.ip severity" per alert of `mamori scan`.
alerts() {
  "$MAMORI" scan -q "$1" | python3 -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    print(o["rule"]["id"], o.get("source", {}).get("ip", "-"), o["event"]["severity"])'
}
has_alert() { grep -q "^$2 $3 " <<<"$1"; }

# ---- every sample: no unparsed line, under auto and syslog ---------------
for f in "$V"/*.log; do
  n=$(basename "$f" .log)
  lines=$(wc -l <"$f")
  for t in auto syslog; do
    check_eq "$n ($t): no unparsed line" 0 "$(summary "$f" $t 解析不能)"
    ev=$(summary "$f" $t イベント)
    sk=$(summary "$f" $t 対象外)
    check_eq "$n ($t): every line an event or skipped" "$lines" $((ev + sk))
  done
done

# ---- expected alerts per vendor ------------------------------------------
expect() { # FILE RULE ADDR
  local out; out=$(alerts "$V/$1")
  if has_alert "$out" "$2" "$3"; then ok "$1: $2 for $3"
  else fail "$1: $2 for $3" "$(tr '\n' ';' <<<"$out")"; fi
}
expect fortigate.log auth.vpn.bruteforce 203.0.113.9
expect fortigate.log auth.vpn.success_after_failures 203.0.113.9
expect fortigate.log utm.threat_critical.blocked 198.51.100.77
expect panos.log auth.vpn.bruteforce 198.51.100.41
expect panos.log auth.vpn.spray 198.51.100.41
expect panos.log utm.threat_critical.blocked 198.51.100.77
expect cisco-asa.log auth.vpn.bruteforce 203.0.113.77
expect cisco-asa.log utm.threat_critical.blocked 203.0.113.88
expect sonicwall.log auth.vpn.bruteforce 203.0.113.61
expect sonicwall.log utm.threat_critical.blocked 203.0.113.62
expect pulse.log auth.vpn.spray 203.0.113.44
expect openvpn.log auth.vpn.bruteforce 203.0.113.21
expect yamaha.log auth.admin.bruteforce 203.0.113.33

# No alert names an address that only succeeded or only scanned once.
all=$(for f in "$V"/*.log; do alerts "$f"; done)
for a in 192.168.1.10 192.0.2.60 192.0.2.150 192.0.2.200 192.168.100.2; do
  if grep -q " $a " <<<"$all"; then fail "no alert for the legitimate $a"
  else ok "no alert for the legitimate $a"; fi
done

# ---- the FortiGate SSL-VPN brute force, step by step ---------------------
FG=$TMP/fg
mkdir -p "$FG"
grep 'ssl-login-fail' "$V/fortigate.log" >"$FG/fail.log"
check_eq "24 SSL-VPN failures in the sample" 24 "$(wc -l <"$FG/fail.log")"
out=$(alerts "$FG/fail.log")
check "24 failures: VPN brute force for 203.0.113.9" has_alert "$out" auth.vpn.bruteforce 203.0.113.9
if grep -q success_after <<<"$out"; then fail "failures alone: no success alert"
else ok "failures alone: no success alert"; fi
{ cat "$FG/fail.log"; grep 'tunnel-up' "$V/fortigate.log"; } >"$FG/both.log"
out=$(alerts "$FG/both.log")
sev=$(grep '^auth.vpn.success_after_failures 203.0.113.9 ' <<<"$out" | cut -d' ' -f3)
check_eq "success after the failures: critical (4)" 4 "$sev"
# a success without failures before it is just a login
grep 'tunnel-up' "$V/fortigate.log" >"$FG/ok.log"
check_eq "a lone success raises nothing" "" "$(alerts "$FG/ok.log")"
# technique ids reach the alert
tech=$("$MAMORI" scan -q "$FG/both.log" | python3 -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    if o["rule"]["id"] == "auth.vpn.bruteforce":
        print(",".join(o["threat"]["technique"]["id"]))')
check_eq "brute force carries T1110.001,T1133" "T1110.001,T1133" "$tech"

# ---- the same lines to `mamori sensor` over syslog (type = syslog) -------
D=$TMP/sensor
mkdir -p "$D"
cat >"$D/sensor.conf" <<EOF
[sensor]
state_dir = $D/state
alerts = $D/alerts.json
state_interval = 1
status_interval = 1

[syslog]
tcp = 127.0.0.1:0
EOF
STATUS=$D/state/status.json
"$MAMORI" sensor --config "$D/sensor.conf" 2>"$D/stderr.txt" &
PID=$!
wait_for() {
  local t=$(( $1 * 10 )); shift
  while [ "$t" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
  return 1
}
port() { grep -o '"tcp_port":[0-9]*' "$STATUS" 2>/dev/null | cut -d: -f2; }
src() { grep -o "{\"name\":\"$1\"[^}]*}" "$STATUS" 2>/dev/null |
        grep -o "\"$2\":[0-9]*" | cut -d: -f2; }
bound() { local p; p=$(port); [ -n "$p" ] && [ "$p" -gt 0 ]; }
if wait_for 10 bound; then
  TCP=$(port)
  cat "$V/fortigate.log" "$V/yamaha.log" >"$D/send.log"
  want=$(wc -l <"$D/send.log")
  cat "$D/send.log" >/dev/tcp/127.0.0.1/"$TCP"
  all_in() { [ "$(src syslog-tcp lines)" = "$want" ]; }
  check "sensor: every syslog line received" wait_for 10 all_in
  check_eq "sensor: no unparsed syslog line" 0 "$(src syslog-tcp unparsed)"
  bf() { grep '"auth.vpn.bruteforce"' "$D/alerts.json" | grep -q '"203.0.113.9"'; }
  check "sensor: VPN brute force alert for 203.0.113.9" wait_for 10 bf
  saf() { grep '"auth.vpn.success_after_failures"' "$D/alerts.json" | grep -q '"203.0.113.9"'; }
  check "sensor: critical success-after-failures alert" wait_for 10 saf
  yam() { grep '"auth.admin.bruteforce"' "$D/alerts.json" | grep -q '"203.0.113.33"'; }
  check "sensor: YAMAHA admin brute force alert" wait_for 10 yam
else
  fail "sensor: syslog port bound" "$(cat "$D/stderr.txt")"
fi
kill -TERM "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
true
