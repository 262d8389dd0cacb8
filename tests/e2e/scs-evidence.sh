#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/scs-evidence.sh — SCS evidence produced by the hub (issue 13):
# an SME's sensor sees a VPN brute force followed by a success (FortiGate
# log) and Remote Desktop reached from the internet (Windows 4625 type 10);
# its alerts reach the hub; the hub's evidence for that tenant marks the
# matching ★ items (4-1-4 passwords, 4-5-1 boundary, ★1 0-1-3) not met with
# the source lines named. After the fixes (no more RDP from outside, VPN
# sign-ins with multi-factor authentication) they turn met. Also the API
# (GET /api/v1/scs/evidence) and `scs assess --hub`, and the latest ASM
# self-check in the API's evidence.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
export MAMORI_SCS_CATALOGUE=$SRCDIR/data/scs/catalogue.txt
H=$TMP/hub
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
TOK=$("$MAMORI" hub tenant add --dir "$H" --id sato --name "佐藤精機" --kind sme 2>/dev/null)
"$MAMORI" hub tenant add --dir "$H" --id other --name "Other" --kind sme >/dev/null 2>&1
hub_serve "$H" --plain
post() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" --data-binary @"$1" "$URL/api/v1/events"; }

# ---- the replay: what the SME's sensor saw on 2026-11-20 (JST night)
# RDP: 12 failed Remote Desktop logons (4625, type 10) from 203.0.113.50
python3 - "$SRCDIR/tests/data/windows/winlogbeat.ndjson" "$TMP/rdp.ndjson" <<'PY'
import json, sys
src = next(json.loads(l) for l in open(sys.argv[1]) if '"4625"' in l)
with open(sys.argv[2], "w") as f:
    for i in range(12):
        d = json.loads(json.dumps(src))
        d["@timestamp"] = "2026-11-19T18:%02d:%02d.000Z" % (20 + i // 6, (i % 6) * 9)
        d["winlog"]["record_id"] = str(5000 + i)
        d["winlog"]["event_data"]["IpAddress"] = "203.0.113.50"
        f.write(json.dumps(d) + "\n")
PY
"$MAMORI" scan "$SRCDIR/tests/data/vendors/fortigate.log" "$TMP/rdp.ndjson" >"$TMP/alerts.ndjson" 2>/dev/null
check "the sensor's alerts: VPN success after failures" grep -q '"auth.vpn.success_after_failures"' "$TMP/alerts.ndjson"
check "the sensor's alerts: RDP brute force from the internet" grep -q '"auth.rdp.bruteforce"' "$TMP/alerts.ndjson"
check_eq "the alerts reach the hub (200)" 200 "$(post "$TMP/alerts.ndjson")"

ev() { "$MAMORI" hub evidence --dir "$H" --tenant sato --now "$1" -o "$2"; }
check "hub evidence (as of 2026-11-20)" ev 2026-11-20T12:00:00Z "$TMP/ev1.json"
check_eq "evidence: auth_compromise / mfa_remote / exposed_services not ok" "False False False" \
  "$(jget "$TMP/ev1.json" "' '.join(str(d['checks'][k]['ok']) for k in ('auth_compromise','mfa_remote','exposed_services'))")"
check "evidence names the source: the alert and the FortiGate line" \
  python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['checks']['auth_compromise']; sys.exit(not (c['source'].startswith('alert auth.vpn.success_after_failures') and any('action=\"tunnel-up\"' in l or 'ssl-login' in l for l in c['lines'])))" "$TMP/ev1.json"
check_eq "evidence: time and freshness of each check" "2026-11-19T18:14:31.000Z False" \
  "$(jget "$TMP/ev1.json" "d['checks']['auth_compromise']['last_seen']+' '+str(d['checks']['auth_compromise']['stale'])")"
check "evidence: the log sources the sensor read" \
  python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['datasets_seen']; sys.exit(not ('fortigate' in d and 'windows' in d))" "$TMP/ev1.json"

cat >"$TMP/answers.json" <<'JSON'
{"organisation": {"name": "佐藤精機", "onsite_responder": false}, "target": "★3", "assessed_at": "2026-11-20",
 "answers": {"4-1-4": "yes", "4-5-1": "yes", "0-1-3": "yes"}}
JSON
"$MAMORI" scs assess --answers "$TMP/answers.json" --evidence "$TMP/ev1.json" --format json --out "$TMP/a1.json" 2>/dev/null
st() { jget "$1" "' '.join(i['status'] for i in d['items'] if (i['id'], i['level']) in [('4-1-4',3),('4-5-1',3),('0-1-3',1)])"; }
check_eq "before the fixes: 4-1-4, 4-5-1, 0-1-3 contradicted (not met)" "contradicted contradicted contradicted" "$(st "$TMP/a1.json")"
check "the contradiction names the source line" \
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); f=[f for i in d['items'] if i['id']=='4-1-4' for f in i['findings']]; sys.exit(not any('source line: <189>date=2026-11-20 time=03:14:31' in x['reason_en'] and 'remip=203.0.113.9' in x['reason_en'] for x in f))" "$TMP/a1.json"
check "RDP exposure names the Windows record" \
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); f=[f for i in d['items'] if i['id']=='4-5-1' for f in i['findings']]; sys.exit(not any('auth.rdp.bruteforce' in x['reason_en'] for x in f))" "$TMP/a1.json"

# ---- the fixes: RDP closed (nothing more from outside), VPN with MFA
cat >"$TMP/fixed.ndjson" <<'JSON'
{"@timestamp":"2026-11-25T00:10:00.000Z","event":{"kind":"event","id":"fix-mfa-1","dataset":"fortigate","category":"authentication","action":"authentication_success","outcome":"success"},"service":{"type":"vpn"},"source":{"ip":"198.51.100.20"},"mamori":{"auth_factors":2}}
{"@timestamp":"2026-11-27T00:10:00.000Z","event":{"kind":"event","id":"fix-mfa-2","dataset":"fortigate","category":"authentication","action":"authentication_success","outcome":"success"},"service":{"type":"vpn"},"source":{"ip":"198.51.100.21"},"mamori":{"auth_factors":2}}
JSON
check_eq "the later sign-ins reach the hub (200)" 200 "$(post "$TMP/fixed.ndjson")"
check "hub evidence (as of 2026-11-28)" ev 2026-11-28T12:00:00Z "$TMP/ev2.json"
check_eq "after the fixes: all three checks ok" "True True True" \
  "$(jget "$TMP/ev2.json" "' '.join(str(d['checks'][k]['ok']) for k in ('auth_compromise','mfa_remote','exposed_services'))")"
sed 's/"2026-11-20"/"2026-11-28"/' "$TMP/answers.json" >"$TMP/answers2.json"
"$MAMORI" scs assess --answers "$TMP/answers2.json" --evidence "$TMP/ev2.json" --format json --out "$TMP/a2.json" 2>/dev/null
check_eq "after the fixes: the same items met" "met met met" "$(st "$TMP/a2.json")"
sed 's/"yes"/"unknown"/g' "$TMP/answers2.json" >"$TMP/answers3.json"
"$MAMORI" scs assess --answers "$TMP/answers3.json" --evidence "$TMP/ev2.json" --format json --out "$TMP/a3.json" 2>/dev/null
check_eq "not answered: met by the hub's evidence" "met_by_evidence met_by_evidence met_by_evidence" "$(st "$TMP/a3.json")"
# nothing new for weeks: the checks are stale, shown so, and not used
check "hub evidence (as of 2027-01-10, no data since 2026-11-27)" ev 2027-01-10T12:00:00Z "$TMP/ev3.json"
check_eq "stale checks are marked stale" "True True" \
  "$(jget "$TMP/ev3.json" "str(d['checks']['auth_compromise']['stale'])+' '+str(d['checks']['mfa_remote']['stale'])")"
sed 's/"2026-11-28"/"2027-01-10"/' "$TMP/answers3.json" >"$TMP/answers5.json"
"$MAMORI" scs assess --answers "$TMP/answers5.json" --evidence "$TMP/ev3.json" --format json --out "$TMP/a5.json" 2>/dev/null
check_eq "stale evidence is not used: unanswered items stay unknown" "unknown unknown unknown" "$(st "$TMP/a5.json")"

# ---- the API and scs assess --hub
check_eq "GET /api/v1/scs/evidence without a token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/scs/evidence")"
curl -s -H "Authorization: Bearer $TOK" "$URL/api/v1/scs/evidence" -o "$TMP/api.json"
check_eq "API: the calling tenant's evidence from the hub" "hub sato" "$(jget "$TMP/api.json" "d['source']+' '+d['tenant']")"
sed "s/\"2026-11-28\"/\"$(date -u +%Y-%m-%d)\"/" "$TMP/answers3.json" >"$TMP/answers4.json"
check "scs assess --hub reads it" "$MAMORI" scs assess --answers "$TMP/answers4.json" --hub "$URL" --token "$TOK" --format json --out "$TMP/a4.json"
check_eq "scs assess --hub: the hub's evidence is listed" "hub sato" "$(jget "$TMP/a4.json" "d['evidence'][0]['source']+' '+d['evidence'][0]['tenant']")"
check_rc "scs assess --hub with a bad token: exit 1" 1 "$MAMORI" scs assess --answers "$TMP/answers4.json" --hub "$URL" --token nope

# ---- the latest outside-in self-check (DIR/asm-<tenant>.json, written by
# `hub asm check`; tests/e2e/scs-asm.sh runs the real one) reaches the API too
python3 - "$H/asm-sato.json" <<'PY'
import datetime, json, sys
t = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
a = {"asset": "203.0.113.7", "verified_at": t, "findings": [
    {"kind": "open_port", "ja": "x", "en": "x", "detail": "203.0.113.7:3389 (rdp)"}]}
json.dump({"assets": [{"asset": "203.0.113.7", "token": "0" * 32, "verified_at": t}],
           "last_check": {"tenant": "sato", "checked_at": t, "assets": [a]}}, open(sys.argv[1], "w"))
PY
curl -s -H "Authorization: Bearer $TOK" "$URL/api/v1/scs/evidence" -o "$TMP/api2.json"
check "API: the self-check's exposure is in the evidence, host:port named" \
  python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['checks']['asm_exposure']; sys.exit(not (c['ok'] is False and c['source'].startswith('self-check ') and c['source'].endswith(' 203.0.113.7:3389')))" "$TMP/api2.json"
