#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-scs-renew.sh — SCS renewal reminders with the real binary and
# a real SMTP server on loopback (Debian python3-aiosmtpd): a ★3 confirmed
# 355 days ago lapses in 10 days; the hub mails the 14-day reminder once to
# the supplier and to each linked buyer (the supplier's name only where the
# link discloses it), a restart sends nothing more; once the confirmation
# has lapsed the lapsed reminder goes once too. Both API views say how many
# days are left.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
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
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }
start_hub() {
  hub_serve "$H"
}
stop_hub() { kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null; }
TODAY=$(TZ=Asia/Tokyo date +%Y-%m-%d)
DAYSAGO() { TZ=Asia/Tokyo date -d "$1 days ago" +%Y-%m-%d; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
cat >>"$H/hub.conf" <<CONF
smtp_url = smtp://127.0.0.1:$SPORT
smtp_from = mamori@hub.example.jp
CONF
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id sup-a --name "株式会社みどり精機" --kind sme)
TX=$(tok --id buyer-x --name "X商事" --kind buyer)
tok --id buyer-y --name "Y重工" --kind buyer >/dev/null
tok --id other --name "無関係" --kind sme >/dev/null
"$MAMORI" hub link --dir "$H" sup-a buyer-x --disclose >/dev/null 2>&1
"$MAMORI" hub link --dir "$H" sup-a buyer-y >/dev/null 2>&1
for t in sup-a buyer-x buyer-y other; do
  "$MAMORI" hub notify add --dir "$H" --tenant "$t" --email "$t@example.jp" --min-severity critical >/dev/null 2>&1
done

"$MAMORI" scs keygen --out "$TMP/expert.key" >/dev/null 2>&1
"$MAMORI" hub expert add --dir "$H" --registration-no 012345 --name "山田 太郎" \
  --pubkey "$TMP/expert.key.pub" --valid-until 2099-12-31 >/dev/null 2>&1
"$MAMORI" scs assess --answers "$D/star3.json" --format json --out "$TMP/a3.json" --today "$TODAY" >/dev/null 2>&1
"$MAMORI" scs confirm --assessment "$TMP/a3.json" --key "$TMP/expert.key" --expert-name "山田 太郎" \
  --registration-no 012345 --date "$(DAYSAGO 355)" --tenant sup-a --out "$TMP/c3.json" 2>/dev/null
check "a ★3 confirmed 355 days ago is accepted (valid 365 days)" \
  "$MAMORI" hub scs submit --dir "$H" --tenant sup-a "$TMP/c3.json"
VU=$(TZ=Asia/Tokyo date -d "$TODAY + 10 days" +%Y-%m-%d)
check_eq "stored valid until today + 10 days" "$VU" "$(q 'SELECT valid_until FROM scs_confirmation_trust')"

# ---- the hub starts: the 14-day reminder, once to each of the three
PYTHONPATH="$SRCDIR/tests/e2e" $PY -m aiosmtpd -n -l "127.0.0.1:$SPORT" -c smtp_sink.Sink "$MAIL" 2>>"$TMP/smtp.log" &
PIDS+=("$!")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$SPORT") 2>/dev/null && break; sleep 0.1; done
start_hub
check "three reminders delivered" wait_for 20 bash -c "[ \"\$(find '$MAIL' -name '*.eml' | wc -l)\" = 3 ]"
sleep 2 # a duplicate would show up now
check_eq "exactly three mails" 3 "$(mails)"
check "the mails decode: Japanese first, days left, the buyer-y mail names no supplier" $PY - "$MAIL" "$VU" <<'PYEOF'
import email, email.policy, glob, sys
mdir, vu = sys.argv[1], sys.argv[2]
seen = {}
for f in sorted(glob.glob(mdir + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    subj = str(m["Subject"])
    assert subj == "[mamori] SCS ★3 の確認: あと 10 日で期限切れ / SCS ★3 confirmation: expires in 10 days", subj
    body = m.get_content()
    assert body.index("有効です") < body.index("valid until"), "Japanese first"
    assert vu in body and "012345" in body, body
    seen[m["To"]] = body
assert sorted(seen) == ["buyer-x@example.jp", "buyer-y@example.jp", "sup-a@example.jp"], sorted(seen)
assert "あなたの会社の" in seen["sup-a@example.jp"]
assert "株式会社みどり精機（sup-a）" in seen["buyer-x@example.jp"]
assert "みどり" not in seen["buyer-y@example.jp"] and "sup-a" in seen["buyer-y@example.jp"]
PYEOF
check_eq "one durable flag for the 14-day reminder" "scs-renew:sup-a:$VU:14" "$(q "SELECT key FROM flags WHERE key LIKE 'scs-renew:%'")"

# ---- both API views say how long it holds
curl -s -o "$TMP/own.json" -H "Authorization: Bearer $TA" "$URL/api/v1/scs/confirmation"
check_eq "the supplier's view: 10 days, in words" "10 あと 10 日で期限切れ expires in 10 days" \
  "$(jget "$TMP/own.json" "' '.join(str(d[k]) for k in ['expires_in_days','expiry_ja','expiry_en'])")"
curl -s -o "$TMP/buy.json" -H "Authorization: Bearer $TX" "$URL/api/v1/scs/suppliers"
check_eq "the buyer's view: 10 days" "10 expires in 10 days" \
  "$(jget "$TMP/buy.json" "str(d['suppliers'][0]['expires_in_days'])+' '+d['suppliers'][0]['expiry_en']")"
check_eq "the buyer's status text says it too" "要求なし・確認済み ★3（あと 10 日で期限切れ）" \
  "$(jget "$TMP/buy.json" "d['suppliers'][0]['status_ja']")"

# ---- a restart sends nothing more
stop_hub
start_hub
sleep 3
check_eq "after a restart: still three mails" 3 "$(mails)"

# ---- once lapsed: the lapsed reminder, once
stop_hub
YESTERDAY=$(DAYSAGO 1)
q "UPDATE scs_confirmation_trust SET valid_until='$YESTERDAY'"
start_hub
check "the lapsed reminders delivered" wait_for 20 bash -c "[ \"\$(find '$MAIL' -name '*.eml' | wc -l)\" = 6 ]"
check "the three new mails say it has lapsed" $PY - "$MAIL" <<'PYEOF'
import email, email.policy, glob, sys
fs = sorted(glob.glob(sys.argv[1] + "/*.eml"))[3:]
assert len(fs) == 3
for f in fs:
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    assert str(m["Subject"]) == "[mamori] SCS ★3 の確認: 期限切れ / SCS ★3 confirmation: lapsed", m["Subject"]
PYEOF
curl -s -o "$TMP/own.json" -H "Authorization: Bearer $TA" "$URL/api/v1/scs/confirmation"
check_eq "the supplier's view: lapsed" "-1 期限切れ lapsed" \
  "$(jget "$TMP/own.json" "' '.join(str(d[k]) for k in ['expires_in_days','expiry_ja','expiry_en'])")"
stop_hub
start_hub
sleep 3
check_eq "after another restart: still six mails" 6 "$(mails)"
check_eq "two flags in all" 2 "$(q "SELECT count(*) FROM flags WHERE key LIKE 'scs-renew:%'")"
stop_hub
