#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Windows events: every real .evtx file parses with every record of the ids
# mamori maps as an event with event.code (counts per id compared with
# evtxexport, the libevtx tool), the host rules fire on them, the text forms
# (event XML one per line, pretty-printed and back to back, Winlogbeat and
# NXLog JSON, Snare behind syslog) give the same events, and hostile input
# is counted as unparsed without a crash.
. "$(dirname "$0")/lib.sh"
D=$SRCDIR/tests/data/windows
IDS="4624 4625 4740 4768 4771 4776 4648 4720 4728 4732 4756 1102 104 7045 4698 1149 302 303 304"

if ! command -v evtxexport >/dev/null; then
  fail "evtxexport (libevtx-utils) is installed" "run scripts/deps"
fi
for f in "$D"/*.evtx; do
  name=$(basename "$f" .evtx)
  "$MAMORI" logtest "$f" >"$TMP/$name.json" 2>"$TMP/$name.err"
  check_eq "$name: logtest exits 0" 0 "$?"
  grep -q " 0 解析不能 / unparsed" "$TMP/$name.err" && ok "$name: no unparsed record" \
    || fail "$name: no unparsed record" "$(cat "$TMP/$name.err")"
  evtxexport -f xml "$f" 2>/dev/null >"$TMP/$name.xml"
  for id in $IDS; do
    want=$(grep -cE "<EventID( [^>]*)?>$id</EventID>" "$TMP/$name.xml")
    [ "$want" -eq 0 ] && continue
    got=$(grep -c "\"code\":\"$id\"" "$TMP/$name.json")
    check_eq "$name: every $id record is an event with event.code (evtxexport: $want)" "$want" "$got"
  done
done

# --- the host rules fire on the real files
alert() { "$MAMORI" scan "$D/$1" 2>/dev/null | grep -c "\"id\":\"$2\""; }
check_ge "4732 (added to Administrators) raises win.admin_group_member_added" 1 \
  "$(alert Network_Service_Guest_added_to_admins_4732.evtx win.admin_group_member_added)"
check_ge "7045 (cmd.exe as a service) raises win.service_shell" 1 \
  "$(alert LM_Remote_Service02_7045.evtx win.service_shell)"
check_ge "4720 (account created) raises win.account_created" 1 \
  "$(alert DE_Fake_ComputerAccount_4720.evtx win.account_created)"
check_ge "4698 (task running cmd.exe) raises win.scheduled_task_shell" 1 \
  "$(alert temp_scheduled_task_4698_4699.evtx win.scheduled_task_shell)"
check_eq "7045 with calc.exe alone does not raise win.service_shell" 1 \
  "$("$MAMORI" scan "$D/LM_Remote_Service02_7045.evtx" 2>/dev/null | grep '"win.service_shell"' | grep -o '"count":[0-9]*' | head -1 | grep -c '"count":2')"

# --- event XML as text: one per line, pretty-printed, back to back
for f in "$D"/*.evtx; do evtxexport -f xml "$f" 2>/dev/null; done >"$TMP/pretty.xml"
python3 - "$TMP/pretty.xml" "$TMP" <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
ev = [re.sub(r">\s*\n\s*<", "><", m.group(0)).replace("\n", "&#10;")
      for m in re.finditer(r"<Event .*?</Event>", t, re.S)]
open(sys.argv[2] + "/lines.xml", "w").write("\n".join(ev) + "\n")
open(sys.argv[2] + "/concat.xml", "w").write('<?xml version="1.0"?>\n<Events>' + "".join(ev) + "</Events>\n")
PYEOF
total=$(grep -c "<EventID" "$TMP/pretty.xml")
for form in pretty lines concat; do
  "$MAMORI" logtest "$TMP/$form.xml" >"$TMP/$form.json" 2>"$TMP/$form.err"
  n=$(sed -n 's/.* \([0-9]*\) イベント.* \([0-9]*\) 対象外.*/\1 \2/p' "$TMP/$form.err")
  check_eq "event XML ($form): events + skipped = $total records" "$total" "$(( ${n% *} + ${n#* } ))"
  check_eq "event XML ($form): same 4624 count as evtxexport" "$(grep -c '>4624</EventID>' "$TMP/pretty.xml")" \
    "$(grep -c '"code":"4624"' "$TMP/$form.json")"
done
check_eq "event XML under --type windows" "$(grep -c '"code"' "$TMP/lines.json")" \
  "$("$MAMORI" logtest --type windows "$TMP/lines.xml" 2>/dev/null | grep -c '"code"')"

# --- JSON and Snare forms
"$MAMORI" logtest "$D/winlogbeat.ndjson" >"$TMP/wlb.json" 2>/dev/null
check_eq "Winlogbeat: every line is an event" "$(wc -l <"$D/winlogbeat.ndjson")" "$(wc -l <"$TMP/wlb.json")"
python3 - "$TMP/wlb.json" <<'PYEOF'
import json, sys
ev = {}
for l in open(sys.argv[1]):
    d = json.loads(l); ev.setdefault(d["event"]["code"], []).append(d)
def t(name, cond): print(("ok" if cond else "not ok") + " - Winlogbeat: " + name)
a = ev["4625"][0]
t("4625 type 10 → rdp failure from 203.0.113.9", a["service"]["type"] == "rdp" and a["event"]["outcome"] == "failure" and a["source"]["ip"] == "203.0.113.9" and a["user"]["name"] == "administrator")
b = ev["4625"][1]
t("4625 SubStatus 0xC0000064 → invalid_user over smb", b["event"]["action"] == "invalid_user" and b["service"]["type"] == "smb")
t("4771 0x18 → Kerberos failure, ::ffff: address → IPv4", ev["4771"][0]["event"]["action"] == "authentication_failure" and ev["4771"][0]["source"]["ip"] == "192.0.2.50")
t("4768 0x6 → invalid_user", ev["4768"][0]["event"]["action"] == "invalid_user")
t("4776 0xC0000064 → invalid_user", ev["4776"][0]["event"]["action"] == "invalid_user")
t("4740 → account_locked", ev["4740"][0]["event"]["action"] == "account_locked" and ev["4740"][0]["user"]["name"] == "sato")
t("4648 → explicit_credential_logon", ev["4648"][0]["event"]["action"] == "explicit_credential_logon")
t("1102 → audit_log_cleared", ev["1102"][0]["event"]["action"] == "audit_log_cleared")
t("7045 %COMSPEC% raises win.service_shell", "win.service_shell" in ev["7045"][0]["rule"]["ids"])
t("7045 of a normal program raises nothing", ev["7045"][1]["rule"]["ids"] == [])
t("4728 to Domain Admins raises win.admin_group_member_added", "win.admin_group_member_added" in ev["4728"][0]["rule"]["ids"])
t("1149 → rdp success", ev["1149"][0]["service"]["type"] == "rdp" and ev["1149"][0]["event"]["outcome"] == "success")
t("RD Gateway 302 success, 304 failure, user without domain", ev["302"][0]["event"]["outcome"] == "success" and ev["304"][0]["event"]["outcome"] == "failure" and ev["304"][0]["user"]["name"] == "admin")
t("host.name = computer_name", a["host"]["name"] == "DC01.example.local")
PYEOF
"$MAMORI" logtest "$D/nxlog.ndjson" >"$TMP/nx.json" 2>/dev/null
check_eq "NXLog JSON: every line is an event" "$(wc -l <"$D/nxlog.ndjson")" "$(wc -l <"$TMP/nx.json")"
check_eq "NXLog JSON: 104 → audit_log_cleared" 1 "$(grep -c 'audit_log_cleared.*"code":"104"' "$TMP/nx.json")"
for t in auto syslog windows; do
  "$MAMORI" logtest --type $t "$D/snare.log" >"$TMP/snare-$t.json" 2>/dev/null
  check_eq "Snare MSWinEventLog (--type $t): every line is an event" "$(wc -l <"$D/snare.log")" "$(wc -l <"$TMP/snare-$t.json")"
done
check_eq "Snare 4625: invalid_user from 192.0.2.44" 1 "$(grep -c 'invalid_user.*"code":"4625".*"ip":"192.0.2.44"' "$TMP/snare-syslog.json")"
sed 's/^/<13>Mar  5 10:02:03 wef nxlog: /' "$D/nxlog.ndjson" >"$TMP/nx-syslog.log"
check_eq "NXLog JSON behind a syslog header (--type syslog)" "$(wc -l <"$D/nxlog.ndjson")" \
  "$("$MAMORI" logtest --type syslog "$TMP/nx-syslog.log" 2>/dev/null | grep -c '"dataset":"windows"')"

# --- hostile input: counted as unparsed, no crash
head -c 70000 "$D/DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx" >"$TMP/trunc.evtx"
"$MAMORI" logtest "$TMP/trunc.evtx" >/dev/null 2>&1; rc=$?
check "truncated .evtx: no crash (exit $rc)" test "$rc" -lt 128
python3 - "$D/DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx" "$TMP/flipped.evtx" <<'PYEOF'
import random, sys
d = bytearray(open(sys.argv[1], "rb").read())
random.seed(1)
for _ in range(200):  # damage the first chunk's records, keep the header
    d[4096 + 512 + random.randrange(60000)] ^= 0xFF
open(sys.argv[2], "wb").write(d)
PYEOF
"$MAMORI" logtest "$TMP/flipped.evtx" >/dev/null 2>"$TMP/flipped.err"; rc=$?
check_eq "corrupted .evtx chunk: logtest exits 0" 0 "$rc"
check "corrupted .evtx chunk: damaged records counted as unparsed, the rest read" \
  grep -qE '[1-9][0-9]* イベント.* [1-9][0-9]* 解析不能' "$TMP/flipped.err"
{ printf '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Event><System><EventID>4625</EventID></System></Event>\n'
  python3 -c 'print("<Event>" + "<x>" * 100000 + "<EventID>4625</EventID>" + "</x>" * 100000 + "</Event>")'
  python3 -c 'print("{\"winlog\":" * 5000 + "1" + "}" * 5000)'
  printf '{"winlog":{"event_id":{"a":1},"channel":"Security"}}\n'
  printf '{"winlog":{"event_id":"4625","channel":["Security"]}}\n'
  printf '{"EventID":true,"SourceName":"x"}\n'
  python3 -c 'print("{\"EventID\":4625,\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"TargetUserName\":\"" + "A" * 1048576 + "\"}")'
  python3 -c 'print("<Event><System><EventID>4625</EventID></System><EventData><Data Name=\"TargetUserName\">" + "A" * 1048576 + "</Data></EventData></Event>")'
} >"$TMP/hostile.log"
"$MAMORI" logtest "$TMP/hostile.log" >"$TMP/hostile.json" 2>"$TMP/hostile.err"; rc=$?
check_eq "hostile XML/JSON: logtest exits 0" 0 "$rc"
check_eq "hostile XML/JSON: no line yields a Windows event" 0 "$(grep -c '"dataset":"windows"' "$TMP/hostile.json")"

# --- the sensor: Winlogbeat JSON followed as a file (type auto), Snare and
# NXLog JSON arriving behind the default [syslog] type
S=$TMP/sensor; mkdir -p "$S/logs"
cat >"$S/sensor.conf" <<CONF
[sensor]
state_dir = $S/state
alerts = $S/alerts.json
status_interval = 1
rescan_ms = 200

[input wlb]
path = $S/logs/winlogbeat.json

[syslog]
udp = 127.0.0.1:0
CONF
"$MAMORI" sensor --config "$S/sensor.conf" 2>"$S/err.txt" &
SPID=$!
trap 'kill -KILL $SPID 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for() { local t=$(( $1 * 10 )); shift
  while [ "$t" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done; return 1; }
port() { grep -o '"udp_port":[0-9]*' "$S/state/status.json" 2>/dev/null | cut -d: -f2; }
wait_for 10 sh -c "grep -q '\"udp_port\":[1-9]' '$S/state/status.json'"
UDP=$(port)
cp "$D/winlogbeat.ndjson" "$S/logs/winlogbeat.json"
while IFS= read -r l; do printf '%s\n' "$l" >/dev/udp/127.0.0.1/"$UDP"; done <"$D/snare.log"
while IFS= read -r l; do printf '<13>Mar  5 10:02:03 fs01 nxlog: %s\n' "$l" >/dev/udp/127.0.0.1/"$UDP"; done <"$D/nxlog.ndjson"
has() { grep -q "\"$1\"" "$S/alerts.json"; }
check "sensor: 7045 in a followed Winlogbeat file raises win.service_shell" wait_for 10 has win.service_shell
check "sensor: 4728 to Domain Admins raises win.admin_group_member_added" wait_for 5 has win.admin_group_member_added
udp_events() { [ "$(grep -o '{"name":"syslog-udp"[^}]*}' "$S/state/status.json" | grep -o '"events":[0-9]*' | cut -d: -f2)" = 10 ]; }
check "sensor: Snare and NXLog JSON over [syslog] UDP: 10 of 10 lines are events" wait_for 10 udp_events
kill -TERM $SPID 2>/dev/null; wait $SPID 2>/dev/null
