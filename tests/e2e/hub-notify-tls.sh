#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-notify-tls.sh — mail through a server that insists on
# STARTTLS and AUTH (python3-aiosmtpd on loopback, a certificate made here):
# a wrong password keeps the warning pending with the server's reason; the
# right one (the password file is re-read) sends it, over TLS, logged in.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
  fail "python3-aiosmtpd installed (scripts/deps)"; exit 0
fi
H=$TMP/hub
SPORT=$(free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$TMP/smtp-key.pem" -out "$TMP/smtp-cert.pem" >/dev/null 2>&1
$PY "$SRCDIR/tests/e2e/smtp_tls_sink.py" "$SPORT" "$TMP/mail" "$TMP/smtp-cert.pem" "$TMP/smtp-key.pem" hubmail 's3cret-パス' 2>>"$TMP/smtp.log" &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$SPORT") 2>/dev/null && break; sleep 0.1; done

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
printf 'wrong\n' >"$H/smtp.pass"; chmod 600 "$H/smtp.pass"
cat >>"$H/hub.conf" <<CONF
smtp_url = smtp://127.0.0.1:$SPORT
smtp_tls = required
smtp_user = hubmail
smtp_password_file = smtp.pass
smtp_ca_file = $TMP/smtp-cert.pem
smtp_from = mamori@hub.example.jp
CONF
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id a --name A --kind sme)
TB=$(tok --id b --name B --kind sme)
"$MAMORI" hub notify add --dir "$H" --tenant a --email a@a.example.jp >/dev/null 2>&1
rm -f "$H/hub.port"
"$MAMORI" hub serve --dir "$H" 2>>"$TMP/serve.log" & PIDS+=($!); HUBPID=$!
for _ in $(seq 100); do [ -s "$H/hub.port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$H/hub.port")"
line() { printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"45.33.88.1"}}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
line a1 >"$TMP/a"; line b1 >"$TMP/b"
curl -s -o /dev/null -H "Authorization: Bearer $TA" --data-binary @"$TMP/a" "$URL/api/v1/events"
curl -s -o /dev/null -H "Authorization: Bearer $TB" --data-binary @"$TMP/b" "$URL/api/v1/events"
q() { sqlite3 "$H/hub.db" "$1"; }
# curl gives up on the stalled AUTH exchange after its 10 s connect timeout
for _ in $(seq 300); do [ "$(q "SELECT count(*) FROM outbox WHERE attempts>=1")" -ge 1 ] && break; sleep 0.1; done
check_eq "wrong password: the warning stays pending" 1 "$(q "SELECT state FROM outbox WHERE tenant='a'")"
ERR=$(q "SELECT last_error FROM outbox WHERE tenant='a'")
check "wrong password: the failed AUTH exchange is recorded ($ERR)" grep -qiE 'login|auth|535|code 334' <<<"$ERR"
check_eq "nothing delivered" 0 "$(ls "$TMP/mail" 2>/dev/null | wc -l)"
printf 's3cret-パス\n' >"$H/smtp.pass"
for _ in $(seq 150); do [ -n "$(ls "$TMP/mail" 2>/dev/null)" ] && break; sleep 0.1; done
check_eq "right password (file re-read): delivered once" 1 "$(ls "$TMP/mail" 2>/dev/null | wc -l)"
check_eq "marked sent" 2 "$(q "SELECT state FROM outbox WHERE tenant='a'")"
check "sent over STARTTLS" bash -c "grep -a '^X-Test-TLS:' '$TMP/mail'/*.eml | grep -qv 'none'"
check "logged in as the configured user" grep -aq '^X-Test-Auth: hubmail' "$TMP"/mail/000001.eml
kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null
