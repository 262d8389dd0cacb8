#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-notify.sh — warnings by mail from the durable outbox: a real
# SMTP server on loopback (Debian python3-aiosmtpd) is DOWN while a campaign
# makes warnings; once it is up every warning arrives exactly once, with the
# Japanese subject decoded correctly; a hub killed with -9 while mail is
# pending sends it after the restart, and nothing twice.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
PY=/usr/bin/python3 # Debian's, which has aiosmtpd
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
  fail "python3-aiosmtpd installed (scripts/deps)"; exit 0
fi
H=$TMP/hub
MAIL=$TMP/mail
SPORT=$(free_port)
line() {
  printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"%s"}}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"
}
post() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" --data-binary @"$2" "$URL/api/v1/events"; }
start_hub() {
  hub_serve "$H"
}
start_smtp() {
  PYTHONPATH="$SRCDIR/tests/e2e" $PY -m aiosmtpd -n -l "127.0.0.1:$SPORT" -c smtp_sink.Sink "$MAIL" 2>>"$TMP/smtp.log" &
  SMTPPID=$!; PIDS+=("$SMTPPID")
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$SPORT") 2>/dev/null && break; sleep 0.1; done
}
q() { sqlite3 "$H/hub.db" "$1"; }
mails() { find "$MAIL" -name '*.eml' 2>/dev/null | wc -l; }
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() { local n=$(( $1 * 10 )); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
cat >>"$H/hub.conf" <<CONF
smtp_url = smtp://127.0.0.1:$SPORT
smtp_from = mamori@hub.example.jp
CONF
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id a --name "Alpha 部品" --kind sme)
TB=$(tok --id b --name "Beta Metal" --kind sme)
tok --id x --name "Big Buyer" --kind buyer >/dev/null
"$MAMORI" hub link --dir "$H" a x --disclose >/dev/null 2>&1
"$MAMORI" hub link --dir "$H" b x >/dev/null 2>&1

# ---- preferences
check "notify add: email for a" "$MAMORI" hub notify add --dir "$H" --tenant a --email owner@alpha.example.jp
check "notify add: email for b (min high)" "$MAMORI" hub notify add --dir "$H" --tenant b --email it@beta.example.jp --min-severity high
check "notify add: email for x" "$MAMORI" hub notify add --dir "$H" --tenant x --email buyer@x.example.jp
check "notify add: critical only for a (not sent for high)" "$MAMORI" hub notify add --dir "$H" --tenant a --email boss@alpha.example.jp --min-severity critical
check "notify add: daily digest for x" "$MAMORI" hub notify add --dir "$H" --tenant x --email digest@x.example.jp --digest daily
check_rc "CR LF in an address refused (no header injection)" 2 "$MAMORI" hub notify add --dir "$H" --tenant a --email $'a@alpha.example.jp\r\nBcc: evil@example.com'
check_rc "address with a display name refused" 2 "$MAMORI" hub notify add --dir "$H" --tenant a --email 'Evil <e@example.com>'
check_rc "unknown tenant refused" 2 "$MAMORI" hub notify add --dir "$H" --tenant nobody --email n@example.jp
check_rc "plain-http Slack URL to another host refused" 2 "$MAMORI" hub notify add --dir "$H" --tenant a --slack http://hooks.example.com/x
check_eq "notify list shows 5 preferences" 5 "$("$MAMORI" hub notify list --dir "$H" | wc -l)"
ID=$("$MAMORI" hub notify add --dir "$H" --tenant b --email gone@beta.example.jp 2>/dev/null)
check "notify del" "$MAMORI" hub notify del --dir "$H" --tenant b --id "$ID"
check_rc "notify del of another tenant's id refused" 2 "$MAMORI" hub notify del --dir "$H" --tenant a --id 2

# ---- Teams and Slack incoming webhooks (a local receiver)
cat >"$TMP/chat.py" <<'PYEOF'
import http.server, os, sys
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        n = len(os.listdir(out))
        name = os.path.join(out, "%s-%03d.json" % (self.path.strip("/"), n))
        with open(name, "wb") as f:
            f.write(body)
        self.send_response(200); self.end_headers(); self.wfile.write(b"1")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PYEOF
mkdir -p "$TMP/chat"
CPORT=$(free_port)
$PY "$TMP/chat.py" "$CPORT" "$TMP/chat" & PIDS+=($!)
check "notify add: Slack for x" "$MAMORI" hub notify add --dir "$H" --tenant x --slack "http://127.0.0.1:$CPORT/slack"
check "notify add: Teams for x" "$MAMORI" hub notify add --dir "$H" --tenant x --teams "http://127.0.0.1:$CPORT/teams"

# ---- a campaign while the mail server is down
start_hub
line a-1 45.33.77.10 >"$TMP/l1"; line b-1 45.33.77.10 >"$TMP/l2"
check_eq "upload a" 200 "$(post "$TA" "$TMP/l1")"
check_eq "upload b (opens the campaign)" 200 "$(post "$TB" "$TMP/l2")"
NW=$(q "SELECT count(*) FROM warnings")
check_ge "campaign made warnings" 3 "$NW"
# at once: a (owner), b (it, min high), x (buyer); not boss (critical only)
WANT=$(q "SELECT count(*) FROM warnings w JOIN notify_prefs p ON p.tenant=w.tenant AND p.channel='email' AND p.digest=0 AND w.severity>=p.min_severity")
WCHAT=$(q "SELECT count(*) FROM warnings WHERE tenant='x'")
check_eq "one outbox row per warning and matching preference, same transaction" "$WANT" "$(q "SELECT count(*) FROM outbox WHERE digest=0 AND channel='email'")"
check_eq "severity filter: nothing for the critical-only address" 0 "$(q "SELECT count(*) FROM outbox WHERE target='boss@alpha.example.jp'")"
check_eq "digest row waits for 09:00 JST" 1 "$(q "SELECT count(*)=count(CASE WHEN next % 86400000 = 0 AND next > created THEN 1 END) FROM outbox WHERE digest=1")"
check "delivery attempted and failed while the server is down" wait_for 15 bash -c "[ \"\$(sqlite3 '$H/hub.db' \"SELECT min(attempts) FROM outbox WHERE digest=0 AND channel='email'\")\" -ge 2 ]"
check "Slack and Teams got x's warnings while mail was down" wait_for 10 bash -c "[ \$(ls '$TMP/chat' | grep -c '^slack-') = $WCHAT ] && [ \$(ls '$TMP/chat' | grep -c '^teams-') = $WCHAT ]"
check "Slack body: {text} with the Japanese subject and warning" $PY -c "
import glob, json, sqlite3
t = [r[0] for r in sqlite3.connect('$H/hub.db').execute(\"SELECT text_ja FROM warnings WHERE tenant='x'\")]
for f in glob.glob('$TMP/chat/slack-*.json'):
    j = json.load(open(f)); assert list(j) == ['text'], j
    assert j['text'].startswith('*[mamori] 攻撃の警告（重要度: 高）'), j
    assert any(x in j['text'] for x in t)"
check "Teams body: a MessageCard with title and text" $PY -c "
import glob, json
for f in glob.glob('$TMP/chat/teams-*.json'):
    j = json.load(open(f)); assert j['@type'] == 'MessageCard', j
    assert j['title'] == '[mamori] 攻撃の警告（重要度: 高）/ attack warning (high)' and j['text'], j"
check_eq "no mail marked sent while down" 0 "$(q "SELECT count(*) FROM outbox WHERE state=2 AND channel='email'")"
check "the failure is recorded" bash -c "[ -n \"\$(sqlite3 '$H/hub.db' \"SELECT last_error FROM outbox WHERE digest=0 AND channel='email' LIMIT 1\")\" ]"
check "retries back off (next > 1 s after the last try)" bash -c "[ \"\$(sqlite3 '$H/hub.db' \"SELECT count(*) FROM outbox WHERE digest=0 AND channel='email' AND attempts>=2 AND next - (strftime('%s','now')*1000) > -2000\")\" -ge 1 ]"

# ---- the server comes back: every warning arrives, once
start_smtp
check "all warnings delivered after the server came back" wait_for 40 bash -c "[ \"\$(sqlite3 '$H/hub.db' \"SELECT count(*) FROM outbox WHERE digest=0 AND channel='email' AND state=2\")\" = '$WANT' ]"
sleep 2 # a duplicate would show up now
check_eq "exactly one mail per outbox row" "$WANT" "$(mails)"
check "every mail decodes: Japanese subject, UTF-8 body, headers" $PY - "$MAIL" "$H/hub.db" <<'PYEOF'
import email, email.policy, glob, sqlite3, sys, collections
mdir, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
rows = con.execute("SELECT o.target, w.id, w.text_ja, w.severity FROM outbox o JOIN warnings w ON w.id=o.warning WHERE o.digest=0 AND o.channel='email'").fetchall()
want = collections.Counter((t, wid) for t, wid, _, _ in rows)
texts = {wid: tj for _, wid, tj, _ in rows}
got = collections.Counter()
ids = set()
for f in sorted(glob.glob(mdir + "/*.eml")):
    raw = open(f, "rb").read()
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert len(line) <= 998, "header line too long"
        assert all(b < 128 for b in line), "raw header is not ASCII"
    m = email.message_from_bytes(raw, policy=email.policy.default)
    subj = str(m["Subject"])
    assert subj == "[mamori] 攻撃の警告（重要度: 高）/ attack warning (high)", subj
    assert m["From"] == "mamori@hub.example.jp"
    assert m["Date"] and m["Message-ID"].endswith("@hub.example.jp>")
    assert m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8"
    body = m.get_content()
    wid = int(body.split("警告番号 / warning: ")[1].split()[0])
    assert texts[wid] in body, "warning text missing"
    assert m["X-Envelope-To"] == m["To"]
    ids.add(m["Message-ID"])
    got[(str(m["To"]), wid)] += 1
assert got == want, (got, want)
assert len(ids) == sum(want.values())
PYEOF
check_eq "each chat message sent once" "$((2 * WCHAT))" "$(ls "$TMP/chat" | wc -l)"
check_eq "the digest row is still pending (tomorrow 09:00 JST)" 1 "$(q "SELECT state FROM outbox WHERE digest=1 LIMIT 1")"

# ---- kill -9 with mail pending, restart: sent after, and nothing twice
kill "$SMTPPID" 2>/dev/null; wait "$SMTPPID" 2>/dev/null
BEFORE=$(mails)
sleep 5.5 # the hub re-reads the graph every 5 s; new tenant c
TC=$(tok --id c --name "Gamma" --kind sme)
"$MAMORI" hub notify add --dir "$H" --tenant c --email c@gamma.example.jp >/dev/null 2>&1
sleep 5.5
line c-1 45.33.77.10 >"$TMP/l3"
check_eq "upload c (joins the campaign)" 200 "$(post "$TC" "$TMP/l3")"
check "the new warning is queued" wait_for 10 bash -c "[ \"\$(sqlite3 '$H/hub.db' \"SELECT count(*) FROM outbox WHERE tenant='c' AND state=1 AND attempts>=1\")\" -ge 1 ]"
kill -9 "$HUBPID"; wait "$HUBPID" 2>/dev/null
start_smtp
start_hub
check "pending mail sent after the restart" wait_for 30 bash -c "[ \"\$(sqlite3 '$H/hub.db' \"SELECT count(*) FROM outbox WHERE tenant='c' AND state=1\")\" = 0 ]"
sleep 2
NEW=$(q "SELECT count(*) FROM outbox WHERE state=2 AND digest=0 AND channel='email'")
check_eq "after restart: earlier mails not sent again" "$NEW" "$(mails)"
check "c's mail arrived" grep -lq 'c@gamma.example.jp' "$MAIL"/*.eml
check_ge "more mail than before the restart" $((BEFORE + 1)) "$(mails)"
kill "$HUBPID" 2>/dev/null; wait "$HUBPID" 2>/dev/null
