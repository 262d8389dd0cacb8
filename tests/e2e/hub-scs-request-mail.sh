#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-scs-request-mail.sh — the expert is told (issue 13): when an
# SME sends its assessment to a registered expert (bearer token, or the
# console's 「この専門家に診断結果を送る」), a mail to the expert's directory
# contact is queued in the same transaction as the request and delivered by
# the hub's outbox to a real SMTP server on loopback (Debian
# python3-aiosmtpd): Japanese first, then English, how to fetch it with
# `mamori scs requests`, and nothing of the assessment. An expert without a
# mail address gets no mail; a refused request queues nothing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
PY=/usr/bin/python3 # Debian's, which has aiosmtpd
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
  fail "python3-aiosmtpd installed (scripts/deps)"; exit 0
fi
export MAMORI_SCS_CATALOGUE=$SRCDIR/data/scs/catalogue.txt
D=$SRCDIR/tests/data/scs
H=$TMP/hub
MAIL=$TMP/mail
SPORT=$(free_port)
q() { sqlite3 "$H/hub.db" "$1"; }
mails() { find "$MAIL" -name '*.eml' 2>/dev/null | wc -l; }
wait_for() { local n=$(( $1 * 10 )); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }
TODAY=$(TZ=Asia/Tokyo date +%Y-%m-%d)

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
cat >>"$H/hub.conf" <<CONF
smtp_url = smtp://127.0.0.1:$SPORT
smtp_from = mamori@hub.example.jp
CONF
TA=$("$MAMORI" hub tenant add --dir "$H" --id sup-a --name "株式会社みどり精機" --kind sme 2>/dev/null)
echo pw-sme-0001 | "$MAMORI" hub user add --dir "$H" --tenant sup-a --role sme --name midori --password-stdin >/dev/null
for k in e1 e2; do "$MAMORI" scs keygen --out "$TMP/$k.key" >/dev/null 2>&1; done
"$MAMORI" hub expert add --dir "$H" --registration-no 012345 --name "山田 太郎" --pubkey "$TMP/e1.key.pub" \
  --valid-until 2099-12-31 --region 大阪府 --contact yamada@expert.example.jp >/dev/null 2>&1
"$MAMORI" hub expert add --dir "$H" --registration-no 054321 --name "佐藤 花子" --pubkey "$TMP/e2.key.pub" \
  --valid-until 2099-12-31 --contact "電話 06-0000-0000" >/dev/null 2>&1
"$MAMORI" scs assess --answers "$D/star3.json" --format json --out "$TMP/a3.json" --today "$TODAY" >/dev/null 2>&1

PYTHONPATH="$SRCDIR/tests/e2e" $PY -m aiosmtpd -n -l "127.0.0.1:$SPORT" -c smtp_sink.Sink "$MAIL" 2>>"$TMP/smtp.log" &
PIDS+=("$!")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$SPORT") 2>/dev/null && break; sleep 0.1; done
hub_serve "$H" --plain

# ---- a refused request queues nothing
post() { curl -s -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer $TA" -H 'Content-Type: application/json' \
  --data-binary "$1" "$URL/api/v1/scs/requests"; }
check_eq "a request to an unregistered expert: 404" 404 "$(post "{\"expert\":\"099999\",\"assessment\":$(cat "$TMP/a3.json")}")"
check_eq "… and nothing queued" 0 "$(q 'SELECT count(*) FROM outbox')"

# ---- sent with the tenant token (mamori scs send)
check "sup-a sends its assessment to 012345" "$MAMORI" scs send --hub "$URL" --token "$TA" --expert 012345 \
  --assessment "$TMP/a3.json" --message "社外秘のメモ: 確認をお願いします"
check_eq "one mail queued to the expert's contact with the request" "1 yamada@expert.example.jp email" \
  "$(q "SELECT count(*), target, channel FROM outbox" | tr '|' ' ')"
check "delivered by the outbox" wait_for 20 bash -c "[ \"\$(sqlite3 '$H/hub.db' 'SELECT state FROM outbox')\" = 2 ]"
check_eq "exactly one mail" 1 "$(mails)"
check "the mail: Japanese first, then English; how to fetch it; no assessment content" $PY - "$MAIL" <<'PYEOF'
import email, email.policy, glob, sys
f = sorted(glob.glob(sys.argv[1] + "/*.eml"))[0]
m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
assert m["X-Envelope-To"] == "yamada@expert.example.jp", m["X-Envelope-To"]
subj = str(m["Subject"])
assert subj == "[mamori] SCS 確認の依頼 #1 が届いています / SCS request #1 is waiting for you", subj
body = m.get_content()
ja, en = body.index("確認の依頼（依頼番号 1）"), body.index("request no. 1")
assert ja < en, "Japanese first"
assert "mamori scs requests --hub URL --key" in body and "--registration-no 012345" in body
assert "山田 太郎" in body
# nothing of the assessment or the SME's note: no company, no item, no answer
for secret in ("社外秘", "みどり精機", "sup-a", '"answer"', "achieved", "yes"):
    assert secret not in body, secret
PYEOF

# ---- an expert without a mail address: no mail
check "sup-a sends to 054321 (contact: a phone number)" "$MAMORI" scs send --hub "$URL" --token "$TA" --expert 054321 \
  --assessment "$TMP/a3.json"
check_eq "no mail queued for it" "2 1" "$(q 'SELECT count(*) FROM scs_requests') $(q 'SELECT count(*) FROM outbox')"

# ---- sent from the console: the same mail
curl -s -c "$TMP/jar" -o "$TMP/login" -H 'Content-Type: application/json' \
  -d '{"user":"midori","password":"pw-sme-0001"}' "$URL/api/v1/session"
CSRF=$(jq -r .csrf "$TMP/login")
curl -s -o /dev/null -b "$TMP/jar" -X PUT -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
  --data-binary @"$D/star3.json" "$URL/api/v1/scs/answers"
check_eq "the console sends the saved assessment: 201" 201 "$(curl -s -o "$TMP/sent" -w '%{http_code}' -b "$TMP/jar" \
  -X POST -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{}' "$URL/api/v1/experts/012345/request")"
check_eq "… and the expert's mail is queued with it" "3 yamada@expert.example.jp" \
  "$(jq -r .id "$TMP/sent") $(q "SELECT target FROM outbox WHERE subject LIKE '%#3 %'")"
check "… and delivered" wait_for 20 bash -c "[ \"\$(find '$MAIL' -name '*.eml' | wc -l)\" = 2 ]"
