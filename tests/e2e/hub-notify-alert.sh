#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-notify-alert.sh — a critical alert, replayed by the sensor,
# reaches the SME owner by mail exactly once (outbox row written in the
# ingest transaction; a real SMTP server on loopback, Debian
# python3-aiosmtpd); a high alert sends nothing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
  fail "python3-aiosmtpd installed (scripts/deps)"; exit 0
fi
H=$TMP/hub
MAIL=$TMP/mail
SPORT=$(free_port)
line() { # id severity
  printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"%s"},"rule":{"id":"web.exploit","name_ja":"脆弱性を狙う攻撃","name":"exploit attempt"},"source":{"ip":"198.51.100.23"}}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"
}
post() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" --data-binary @"$2" "$URL/api/v1/events"; }
q() { sqlite3 "$H/hub.db" "$1"; }
mails() { find "$MAIL" -name '*.eml' 2>/dev/null | wc -l; }
wait_for() { local n=$(( $1 * 10 )); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
cat >>"$H/hub.conf" <<CONF
smtp_url = smtp://127.0.0.1:$SPORT
smtp_from = mamori@hub.example.jp
CONF
TA=$("$MAMORI" hub tenant add --dir "$H" --id a --name "Alpha 部品" --kind sme 2>/dev/null)
check "notify add: the owner's address" "$MAMORI" hub notify add --dir "$H" --tenant a --email owner@alpha.example.jp --min-severity critical

PYTHONPATH="$SRCDIR/tests/e2e" $PY -m aiosmtpd -n -l "127.0.0.1:$SPORT" -c smtp_sink.Sink "$MAIL" 2>>"$TMP/smtp.log" &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$SPORT") 2>/dev/null && break; sleep 0.1; done
hub_serve "$H"

line h-1 high >"$TMP/high"
check_eq "upload a high alert" 200 "$(post "$TA" "$TMP/high")"
line c-1 critical >"$TMP/crit"
check_eq "upload a critical alert" 200 "$(post "$TA" "$TMP/crit")"
check_eq "the sensor replays it (resend after a lost answer)" 200 "$(post "$TA" "$TMP/crit")"
check_eq "one outbox row, stored with the alert" 1 "$(q "SELECT count(*) FROM outbox WHERE tenant='a'")"
check "the mail arrives" wait_for 20 bash -c "[ \"\$(find '$MAIL' -name '*.eml' 2>/dev/null | wc -l)\" -ge 1 ]"
sleep 2 # a duplicate would show up now
check_eq "exactly one mail" 1 "$(mails)"
check "to the owner, Japanese subject, the alert in the body" $PY - "$MAIL" <<'PYEOF'
import email, email.policy, glob, sys
f = glob.glob(sys.argv[1] + "/*.eml")[0]
m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
assert str(m["To"]) == "owner@alpha.example.jp", m["To"]
assert str(m["Subject"]) == "[mamori] 緊急の警報 / critical alert", m["Subject"]
body = m.get_content()
for w in ("脆弱性を狙う攻撃", "198.51.100.23", "c-1"):
    assert w in body, (w, body)
PYEOF
