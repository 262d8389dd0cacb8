#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/demo-serve.sh — `mamori demo --serve`: the replay, then one JSON
# line with the console's URL and one account per role; every account logs
# in with its role and tenant, the console page is served, the SME sees only
# its own alerts, and SIGINT stops the demo and its hub.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

"$MAMORI" demo --serve --dir "$TMP/demo" --samples "$SRCDIR/data/samples" >"$TMP/out" 2>"$TMP/err" &
PID=$!
# the replay takes ~35 s on a release build, minutes under the sanitizers
for _ in $(seq 600); do grep -q '^{"console_url"' "$TMP/out" && break; kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
LINE=$(grep '^{"console_url"' "$TMP/out")
check "one JSON line with console_url and accounts" jq -e '.console_url and (.accounts|length)==4' <<<"$LINE"
check_eq "one account per role" "sme,provider,buyer,coordinator" "$(jq -r '[.accounts[].role]|join(",")' <<<"$LINE")"
URL=$(jq -r .console_url <<<"$LINE")
check "the console page is served" bash -c "curl -sf '$URL' | grep -q '/console/app.js'"
for i in 0 1 2 3; do
  A=$(jq -c ".accounts[$i]" <<<"$LINE")
  R=$(jq -r .role <<<"$A")
  curl -s -c "$TMP/$R.jar" -o "$TMP/$R.json" -H 'Content-Type: application/json' \
    -d "$(jq -c '{user, password}' <<<"$A")" "${URL}api/v1/session"
  check_eq "$R logs in with its role and tenant" "$R $(jq -r .tenant <<<"$A")" \
    "$(jq -r '"\(.role) \(.tenant)"' "$TMP/$R.json" 2>/dev/null)"
done
curl -s -b "$TMP/sme.jar" "${URL}api/v1/alerts?limit=500" >"$TMP/alerts"
check "the SME has alerts from the replay" jq -e '(.alerts|length) > 0' "$TMP/alerts"
check_eq "… and only its own" "$(jq -r '.accounts[0].tenant' <<<"$LINE")" "$(jq -r '[.alerts[].tenant]|unique|join(",")' "$TMP/alerts")"
curl -s -b "$TMP/provider.jar" "${URL}api/v1/tenants" >"$TMP/tenants"
check_eq "the provider watches the five SMEs" 5 "$(jq '[.tenants[]|select(.role_relation=="provider")]|length' "$TMP/tenants")"
kill -INT "$PID"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
check "SIGINT stops the demo" bash -c "! kill -0 $PID 2>/dev/null"
wait "$PID"; RC=$?; PID=
check_eq "… with exit status 0" 0 "$RC"
check "… and its hub" bash -c "! curl -s -o /dev/null '$URL'"
