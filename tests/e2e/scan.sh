#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori scan and logtest on the real sample logs (data/samples).
. "$(dirname "$0")/lib.sh"
S=$SRCDIR/data/samples
PY=python3

# --- sshd: every source with dozens of failed passwords raises ssh.bruteforce;
# no source without a single failure does; "message repeated N times" counts N.
"$MAMORI" scan "$S/loghub-OpenSSH_2k.log" >"$TMP/ssh.json" 2>"$TMP/ssh.err"
check_eq "scan of the sshd log exits 0" 0 "$?"
grep -oE 'Failed password for .* from [0-9.]+' "$S/loghub-OpenSSH_2k.log" | awk '{print $NF}' \
  | sort | uniq -c | awk '$1 >= 24 {print $2}' >"$TMP/dozens.txt"
check_ge "the log has sources with dozens of failures" 3 "$(wc -l <"$TMP/dozens.txt")"
$PY - "$TMP/ssh.json" "$TMP/dozens.txt" "$S/loghub-OpenSSH_2k.log" <<'PYEOF'
import json, re, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
brute = {}
for a in alerts:
    if a["rule"]["id"] == "ssh.bruteforce":
        ip = a["source"]["ip"]
        brute[ip] = brute.get(ip, 0) + a["mamori"]["count"]
dozens = open(sys.argv[2]).read().split()
missing = [ip for ip in dozens if ip not in brute]
print(("ok" if not missing else "not ok") + " - every source with dozens of failures raises ssh.bruteforce" + (" (missing %s)" % missing if missing else ""))
log = open(sys.argv[3], errors="replace").read()
failing = set(re.findall(r"(?:Failed|authentication failure|Invalid user|invalid user)[^\n]*?(?:from |rhost=)([0-9a-f.:]+)", log))
innocent = [ip for ip in brute if ip not in failing]
print(("ok" if not innocent else "not ok") + " - no source without a failure raises ssh.bruteforce" + (" (%s)" % innocent if innocent else ""))
# 106.5.5.195 failed once, then "message repeated 5 times": 6 failures in 12 s.
c = brute.get("106.5.5.195", 0)
print(("ok" if c >= 6 else "not ok") + " - 'message repeated 5 times' counts as 5 (106.5.5.195 count %d)" % c)
ok = all(a["event"]["kind"] == "alert" and a["@timestamp"].startswith("20") for a in alerts)
print(("ok" if ok and alerts else "not ok") + " - alerts are ECS JSON with kind=alert and a timestamp")
PYEOF
grep -q "unparsed" "$TMP/ssh.err" && ok "scan reports unparsed lines on stderr" || fail "scan reports unparsed lines on stderr"

# --- web: every line parses; wp-login probes found; crawlers raise no attack alert.
"$MAMORI" logtest --type web-access "$S/elastic-apache_access_10k.log" >"$TMP/web-lt.json" 2>"$TMP/web-lt.err"
check_eq "logtest: every access-log line yields an event" 10000 "$(wc -l <"$TMP/web-lt.json")"
grep -q "0 解析不能 / unparsed" "$TMP/web-lt.err" && ok "logtest counts no unparsed access-log line" || fail "logtest counts no unparsed access-log line" "$(cat "$TMP/web-lt.err")"
"$MAMORI" scan "$S/elastic-apache_access_10k.log" >"$TMP/web.json" 2>/dev/null
$PY - "$TMP/web.json" "$S/elastic-apache_access_10k.log" <<'PYEOF'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
probers = {l.split()[0] for l in open(sys.argv[2], errors="replace") if "/wp-login.php" in l or "/xmlrpc.php" in l}
found = {a["source"]["ip"] for a in alerts if a["rule"]["id"].startswith("web.probe.wordpress")}
miss = probers - found
print(("ok" if probers and not miss else "not ok") + " - every wp-login/xmlrpc prober is found (%d of %d)" % (len(probers & found), len(probers)))
crawler_ips = set()
for l in open(sys.argv[2], errors="replace"):
    ua = l.rsplit('"', 2)[-2] if l.count('"') >= 6 else ""
    if any(b in ua for b in ("Googlebot", "bingbot", "Baiduspider", "YandexBot")):
        crawler_ips.add(l.split()[0])
fp = [a for a in alerts if a["rule"]["id"].startswith("web.attack") and a["source"]["ip"] in crawler_ips]
print(("ok" if crawler_ips and not fp else "not ok") + " - crawlers' normal traffic raises no web.attack alert (%d crawler sources, %d alerts)" % (len(crawler_ips), len(fp)))
PYEOF

# --- logtest: line numbers and single-line rule ids.
printf '%s\n' 'not a log line at all' \
  '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /wp-login.php HTTP/1.1" 404 200 "-" "curl/7.0"' >"$TMP/two.log"
"$MAMORI" logtest "$TMP/two.log" >"$TMP/two.json" 2>"$TMP/two.err"
$PY - "$TMP/two.json" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = len(rows) == 1 and rows[0]["line"] == 2 and "web.probe.wordpress" in rows[0]["rule"]["ids"] and rows[0]["source"]["ip"] == "1.2.3.4"
print(("ok" if ok else "not ok") + " - logtest gives the 1-based line and the matched rule ids (%s)" % rows)
PYEOF
grep -q "1 解析不能 / unparsed" "$TMP/two.err" && ok "logtest counts the unparsed line" || fail "logtest counts the unparsed line" "$(cat "$TMP/two.err")"

# --- indicators and allowlist.
echo "183.62.140.253" >"$TMP/ioc.txt"
"$MAMORI" scan --ioc "$TMP/ioc.txt" "$S/loghub-OpenSSH_2k.log" 2>/dev/null | grep -c '"ioc.ip"' >"$TMP/n" || true
check_ge "an indicator from --ioc raises ioc.ip" 1 "$(cat "$TMP/n")"
n=$("$MAMORI" scan --allow 183.62.140.0/24 "$S/loghub-OpenSSH_2k.log" 2>/dev/null | grep -c '183\.62\.140\.253' || true)
check_eq "--allow suppresses alerts for that network" 0 "$n"

# --- hostile input: 1 MiB line, NUL bytes, invalid UTF-8, truncated lines, garbage.
{
  head -c 1048576 /dev/zero | tr '\0' 'A'; echo
  printf 'Dec 10 06:55:46 LabSZ sshd[1]: Failed password for ro\0ot from 1.2.3.4 port 1 ssh2\n'
  printf 'Dec 10 06:55:46 LabSZ sshd[1]: Failed password for \xff\xfe from 1.2.3.4 port 1 ssh2\n'
  printf 'Dec 10 06:55:46 LabSZ sshd[1]: Failed password for root fr\n'
  head -c 200000 /dev/urandom
  printf '\nDec 10 06:55:47 LabSZ sshd[1]: Failed password for root from 9.9.9.9 port 1 ssh2'
} >"$TMP/hostile.log"
"$MAMORI" scan "$TMP/hostile.log" >"$TMP/h.json" 2>"$TMP/h.err"
check_eq "hostile input: scan exits 0 (no crash)" 0 "$?"
grep -q "1 切り詰め / truncated" "$TMP/h.err" && ok "hostile input: the 1 MiB line is counted as truncated" || fail "hostile input: the 1 MiB line is counted as truncated" "$(cat "$TMP/h.err")"
"$MAMORI" logtest "$TMP/hostile.log" >"$TMP/h2.json" 2>/dev/null
check_eq "hostile input: logtest exits 0" 0 "$?"
$PY -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]; print("ok - hostile input: every logtest line is valid JSON")' "$TMP/h2.json" || fail "hostile input: every logtest line is valid JSON"
grep -q '"9.9.9.9"' "$TMP/h2.json" && ok "hostile input: the last line without newline still parses" || fail "hostile input: the last line without newline still parses"

# --- stdin.
n=$(head -n 100 "$S/loghub-OpenSSH_2k.log" | "$MAMORI" logtest 2>/dev/null | wc -l)
check_ge "logtest reads stdin" 50 "$n"
