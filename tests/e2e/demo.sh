#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/demo.sh — `mamori demo`: a hub and five SME sensors replay the
# real attacks of data/samples. At least one campaign, one warned buyer and
# one SME protected before the attacker's first line there; and no internal
# address, user name or host name of the SMEs' input logs anywhere in the
# hub's store.
. "$(dirname "$0")/lib.sh"
set -u
# jget FILE|- a.b.0.c: one JSON member (python3 is in scripts/deps).
jget() { python3 -c 'import json,sys
f=sys.argv[1]; d=json.load(sys.stdin) if f=="-" else json.load(open(f))
for k in sys.argv[2].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$@" 2>/dev/null; }

D=$TMP/demo
OUT=$TMP/demo.out
rc=0
"$MAMORI" demo --json --dir "$D" --samples "$SRCDIR/data/samples" >"$OUT" 2>"$TMP/demo.err" || rc=$?
check_eq "demo exits 0" 0 "$rc"
[ "$rc" = 0 ] || { tail -20 "$TMP/demo.err"; tail -5 "$D"/*/sensor.log 2>/dev/null | tail -20; }
J=$(tail -1 "$OUT")
check "ends with one JSON object" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$J"
for k in tenants events_ingested campaigns warned_buyers escalations \
         tenants_protected_before_first_hit median_lead_time_s \
         reached_after_campaign protected_fraction feed_latency_ms; do
  check "json has $k" jget - "$k" <<<"$J"
done
check_ge "campaigns" 1 "$(jget - campaigns <<<"$J")"
check_ge "warned buyers" 1 "$(jget - warned_buyers <<<"$J")"
check_ge "tenants protected before their first hit" 1 "$(jget - tenants_protected_before_first_hit <<<"$J")"
check_ge "events ingested" 10 "$(jget - events_ingested <<<"$J")"
check_ge "lead time (log time)" 1 "$(jget - median_lead_time_s <<<"$J")"
check_ge "five SMEs and two buyers" 7 "$(jget - tenants <<<"$J")"
# Figures measured on one clock (the demo's), never a made-up 0.
check "protected_fraction is protected / reached after the campaign, in (0, 1]" python3 -c '
import json,sys; j=json.loads(sys.argv[1]); f=j["protected_fraction"]; n=j["reached_after_campaign"]
assert n >= 1 and 0 < f <= 1, (f, n)
assert j["tenants_protected_before_first_hit"] <= n' "$J"
check "feed_latency_ms measured for both attackers (> 0 ms)" python3 -c '
import json,sys; l=json.loads(sys.argv[1])["feed_latency_ms"]
assert len(l) == 2 and all(isinstance(x, (int, float)) and x > 0 for x in l), l' "$J"
check "no unmeasured 0 ms printed" bash -c "! grep -q ' 0 ms' '$OUT'"
check "the printed latency is the JSON one" bash -c "grep -q \"攻撃の記録から \$(python3 -c 'import json,sys; print(int(json.loads(sys.argv[1])[\"feed_latency_ms\"][0]))' '$J') ms で\" '$OUT'"
# Plain words: no jargon an owner would not know in the Japanese lines;
# times in JST.
check "Japanese narration without ハブ, テナント, sshd, bare キャンペーン" bash -c "! grep -v '^ ' '$OUT' | grep -qE 'ハブ|テナント|sshd|キャンペーン'"
check "times shown in JST" grep -qE '^\[20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} JST\]' "$OUT"
check "nothing said to be blocked (遮断) that was not" bash -c "! grep -v '^ ' '$OUT' | grep -q '遮断しました'"
# Narration: Japanese first, then English.
check "Japanese line first" grep -q "^mamori デモ" <(head -1 "$OUT")
check "English line second" grep -q "mamori demo: one hub" <(sed -n 2p "$OUT")
check "an SME recognised the attacker at its first line" grep -q "最初の1行で見分けました (ioc.ip)" "$OUT"
# The hub received de-identified data only. The words to look for are taken
# from the SMEs' input logs themselves: every user name, every host name and
# every private or reserved IPv4 address in them.
DUMP=$TMP/hub.sql
sqlite3 "$D/hub/hub.db" .dump >"$DUMP"
check_ge "hub store has events" 10 "$(grep -c 'INSERT INTO events' "$DUMP")"
LOGS=$(ls "$D"/sme-*/auth.log "$D"/sme-*/access.log)
users=$(grep -ohE '(Invalid user|invalid user|for) [^ ]+ from' $LOGS | awk '{print $(NF-1)}' | sort -u)
hosts=$(awk '{print $4}' "$D"/sme-*/auth.log | sort -u)
privs=$(grep -ohE '\b(10\.[0-9]+|192\.168|172\.(1[6-9]|2[0-9]|3[01]))\.[0-9]+\.[0-9]+\b' $LOGS | sort -u)
check_ge "input logs have user names" 5 "$(wc -w <<<"$users")"
check_ge "input logs have private addresses" 3 "$(wc -w <<<"$privs")"
leaks=0
for u in $users; do grep -qF "\"$u\"" "$DUMP" && { leaks=$((leaks + 1)); echo "# user name leaked: $u"; }; done
for h in $hosts; do grep -qF "$h" "$DUMP" && { leaks=$((leaks + 1)); echo "# host name leaked: $h"; }; done
for a in $privs; do grep -qF "$a" "$DUMP" && { leaks=$((leaks + 1)); echo "# private address leaked: $a"; }; done
check_eq "no internal address, user or host name in the hub store" 0 "$leaks"
check "the attackers are in the store" grep -qF 183.62.140.253 "$DUMP"
# Options.
check_rc "unknown option is a usage error" 2 "$MAMORI" demo --bogus
check_rc "missing samples is a usage error" 2 "$MAMORI" demo --samples "$TMP/nowhere"
check "help" "$MAMORI" demo --help
