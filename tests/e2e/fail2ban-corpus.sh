#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fail2ban-corpus.sh — mamori against fail2ban's annotated test logs (the
# fail2ban Debian package, GPL-2.0; read in place, not copied): per filter,
# the lines fail2ban's normal mode must catch (with an address) must give
# that source with event.outcome failure, and the lines it must not catch
# must not count. Minimum scores below are what mamori achieves today;
# scoring: tests/e2e/fail2ban-score.py.
. "$(dirname "$0")/lib.sh"
LOGS=${FAIL2BAN_LOGS:-/usr/lib/python3/dist-packages/fail2ban/tests/files/logs}
if [ ! -d "$LOGS" ] || ! command -v python3 >/dev/null; then
  echo "ok - fail2ban corpus # SKIP fail2ban test logs not installed"
  exit 0
fi
# filter mode min-hits min-clean (the misses: docs/formats.md, "fail2ban
# corpus"; postfix's normal mode is spam rejection, its SASL lines are the
# auth mode)
while read -r f mode hits clean; do
  [ -f "$LOGS/$f" ] || { echo "ok - $f # SKIP not in this fail2ban"; continue; }
  out=$(python3 "$SRCDIR/tests/e2e/fail2ban-score.py" --json --mode "$mode" "$MAMORI" "$LOGS" "$f")
  h=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hit"])')
  c=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clean"])')
  echo "# $f: $out"
  check_ge "fail2ban $f ($mode): attacker as failure on >= $hits lines" "$hits" "$h"
  check_ge "fail2ban $f ($mode): >= $clean non-matching lines not counted" "$clean" "$c"
done <<'TABLE'
sshd normal 122 69
dropbear normal 7 0
dovecot normal 40 10
postfix auth 10 2
courier-auth normal 6 0
courier-smtp normal 3 0
exim normal 13 2
mssql-auth normal 4 1
sieve normal 3 0
cyrus-imap normal 10 0
sendmail-auth normal 13 0
solid-pop3d normal 8 0
TABLE

# The issue's own cases: ten "Invalid user" lines in one second alert; ten
# accepted keys do not.
for i in $(seq 10); do
  echo "Dec 10 06:55:46 h sshd[24200]: Invalid user admin from 203.0.113.9 port 4242"
done >"$TMP/inv.log"
n=$("$MAMORI" scan --quiet "$TMP/inv.log" | grep -c '"ip":"203.0.113.9"')
check_ge "ten 'Invalid user' lines raise an alert" 1 "$n"
for i in $(seq 10); do
  echo "Dec 10 06:55:46 h sshd[2420$i]: Accepted publickey for alice from 203.0.113.9 port 4242 ssh2: ED25519 SHA256:abc"
done >"$TMP/acc.log"
n=$("$MAMORI" scan --quiet "$TMP/acc.log" | wc -l)
check_eq "ten accepted keys raise no alert" 0 "$n"

# logtest --summary: counts by dataset and action, unparsed share and the
# first unparsed lines, as text (Japanese first) and JSON.
{
  echo "Dec 10 06:55:46 h sshd[1]: Invalid user admin from 203.0.113.9 port 4242"
  echo "Dec 10 06:55:47 h postfix/smtpd[2]: warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
  echo "this is not a log line"
  echo "neither is this"
} >"$TMP/mixed.log"
"$MAMORI" logtest --summary "$TMP/mixed.log" >"$TMP/sum.txt" 2>/dev/null
check "summary: unparsed share in text" grep -q "解析不能 / unparsed (50.0 %)" "$TMP/sum.txt"
check "summary: first unparsed example" grep -q '3: "this is not a log line"' "$TMP/sum.txt"
check "summary: sshd invalid_user counted" grep -Eq "sshd +invalid_user +1" "$TMP/sum.txt"
"$MAMORI" logtest --summary --json "$TMP/mixed.log" >"$TMP/sum.json" 2>/dev/null
check "summary --json: datasets and examples" python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert d["lines"]==4 and d["unparsed"]==2 and d["unparsed_share"]==0.5
assert d["datasets"]["postfix"]["actions"]["authentication_failure"]==1
assert d["unparsed_examples"][1]=={"line":4,"text":"neither is this"}
' "$TMP/sum.json"
