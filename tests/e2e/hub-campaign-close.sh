#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-campaign-close.sh — campaigns close after their window W:
# two SMEs see one source two days ago (a campaign opens), the hub's event
# clock moves on past W (another source, today), the old campaign is
# closed with a final state (API, CLI, kept across a restart); the same
# source back today at two SMEs is a new campaign with new warnings, and a
# third SME's old sighting does not reopen the closed one.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
# line ID IP SECONDS-AGO
line() {
  printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"%s"}}\n' \
    "$(date -u -d "@$(($(date +%s) - $3))" +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"
}
post() { # post TOKEN ID IP SECONDS-AGO -> HTTP code
  line "$2" "$3" "$4" >"$TMP/ev"
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
    --data-binary @"$TMP/ev" "$URL/api/v1/events"
}
start_hub() {
  hub_serve "$H" --plain
}
# camps FIELD... : one line per campaign of source 45.33.99.9 (the operator's
# `hub campaigns --json`, read from the store while the hub runs)
camps() {
  "$MAMORI" hub campaigns --dir "$H" --json 2>/dev/null | python3 -c '
import json, sys
f = sys.argv[1:]
for c in json.load(sys.stdin)["campaigns"]:
    if c["key"] == "45.33.99.9":
        print(" ".join(str(c.get(k, "-")) for k in f))' "$@"
}

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
tok() { "$MAMORI" hub tenant add --dir "$H" "$@" 2>/dev/null; }
TA=$(tok --id a --name A --kind sme)
TB=$(tok --id b --name B --kind sme)
TC=$(tok --id c --name C --kind sme)
start_hub
DAY=86400
check_eq "two days ago: a and b see the source" "200 200" \
  "$(post "$TA" a1 45.33.99.9 $((2 * DAY))) $(post "$TB" b1 45.33.99.9 $((2 * DAY - 600)))"
check_eq "… a campaign opened; open while nothing newer arrived" "open" "$(camps state)"
OLD=$(camps id)
check_eq "today: c sees another source (the event clock moves past W)" 200 \
  "$(post "$TC" c1 45.33.98.1 60)"
check_eq "the old campaign is closed, with the tenants it had" "closed 2" "$(camps state tenants)"
CLOSED=$(camps closed)
check "… it closed W after its last sighting (event time)" python3 -c "
import datetime as d, sys
c = d.datetime.fromisoformat(sys.argv[1].replace('Z', '+00:00'))
n = d.datetime.now(d.timezone.utc)
assert abs((n - c).total_seconds() - $DAY + 600) < 120, (c, n)" "$CLOSED"
check "the CLI lists it as closed" bash -c "'$MAMORI' hub campaigns --dir '$H' 2>/dev/null | grep '45.33.99.9' | grep -q '終了/closed'"
WARN_BEFORE=$(sqlite3 "$H/hub.db" "SELECT count(*) FROM warnings")
check_eq "a late sighting from c, inside the old window, does not reopen it" 200 \
  "$(post "$TC" c2 45.33.99.9 $((2 * DAY - 1200)))"
check_eq "… still one campaign, closed, 2 tenants" "closed 2" "$(camps state tenants)"
check_eq "… and no warning" "$WARN_BEFORE" "$(sqlite3 "$H/hub.db" "SELECT count(*) FROM warnings")"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
start_hub
check_eq "after a restart it is still closed" "$OLD closed" "$(camps id state)"
check_eq "today a and b see the source again" "200 200" \
  "$(post "$TA" a2 45.33.99.9 120) $(post "$TB" b2 45.33.99.9 60)"
check_eq "a new campaign opened next to the closed one" "closed open" "$(camps state | tr '\n' ' ' | sed 's/ $//')"
NEW=$(camps id | tail -1)
check "… with its own id" test "$NEW" != "$OLD"
check_ge "… and new warnings" $((WARN_BEFORE + 1)) "$(sqlite3 "$H/hub.db" "SELECT count(*) FROM warnings")"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
check "the hub stops cleanly" bash -c "! grep -q 'ERROR: AddressSanitizer\|runtime error' '$TMP/serve.log'"
