#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-tokens.sh — issue 12 §6 tokens: scopes, expiry, revoke,
# rotate (CLI and admin API), last-used time, /metrics by scope, and a
# token from before scopes keeping its old meaning.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
M() { "$MAMORI" hub "$@" 2>/dev/null; }
code() { # code TOKEN [curl args…] URL-PATH -> HTTP status
  local t=$1; shift
  local p=${*: -1}; set -- "${@:1:$(($# - 1))}"
  local auth=()
  [ -n "$t" ] && auth=(-H "Authorization: Bearer $t")
  curl -s -o "$TMP/resp" -w '%{http_code}' "${auth[@]}" "$@" "$URL$p"
}
ev() { printf '{"@timestamp":"%s","event":{"id":"%s","kind":"event"},"source":{"ip":"45.33.32.1"}}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" >"$TMP/ev"; }
up() { ev "$2"; code "$1" --data-binary @"$TMP/ev" /api/v1/events; }
q() { sqlite3 "$H/hub.db" "$1"; }
id_of() { M token list --dir "$H" --json | python3 -c "import json,sys; t=[x for x in json.load(sys.stdin)['tokens'] if x['scopes']=='$1' and not x['revoked']]; print(t[-1]['id'])"; }

M init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null
TA=$(M tenant add --dir "$H" --id a --name A --kind sme)
# a hub store from before tokens had their own table: drop it, as an old
# hub.db has none; opening the store must bring the tenant's token back
q "DROP TABLE tokens"
hub_serve "$H" --plain

# ---- a token from before scopes: upload + feed + read, no expiry
check_eq "old token: upload 200" 200 "$(up "$TA" e1)"
check_eq "old token: feed 200" 200 "$(code "$TA" /api/v1/feed)"
check_eq "old token: inbox 200" 200 "$(code "$TA" /api/v1/inbox)"
check_eq "old token migrated as upload,feed,read without expiry" "7|0|0" "$(q "SELECT scopes,expires,revoked FROM tokens WHERE tenant='a'")"

# ---- /metrics: an SME token gets 403 even from loopback; metrics/admin 200
check_eq "metrics with the SME token: 403" 403 "$(code "$TA" /metrics)"
TM=$(M token add --dir "$H" --tenant a --scope metrics)
TADM=$(M token add --dir "$H" --tenant a --scope admin)
check_eq "metrics with a metrics-scoped token: 200" 200 "$(code "$TM" /metrics)"
check "... and the reply is the metrics" grep -q mamori_hub_events_ingested_total "$TMP/resp"
check_eq "metrics with an admin token: 200" 200 "$(code "$TADM" /metrics)"
check_eq "metrics with an unknown token: 401" 401 "$(code mmt_nope /metrics)"
check_eq "metrics without a token from loopback (local Prometheus): 200" 200 "$(code "" /metrics)"

# ---- scopes are enforced per endpoint
check_eq "metrics token cannot upload: 403" 403 "$(up "$TM" e2)"
TF=$(M token add --dir "$H" --tenant a --scope feed)
check_eq "feed-only token: feed 200" 200 "$(code "$TF" /api/v1/feed.txt)"
check_eq "feed-only token: upload 403" 403 "$(up "$TF" e3)"
check_eq "feed-only token: inbox 403" 403 "$(code "$TF" /api/v1/inbox)"
TR=$(M token add --dir "$H" --tenant a --scope read)
check_eq "read-only token: inbox 200" 200 "$(code "$TR" /api/v1/inbox)"
check_eq "read-only token: SCS submit 403" 403 "$(code "$TR" --data-binary '{}' /api/v1/scs/confirmations)"
check_eq "SME token on the admin API: 403" 403 "$(code "$TA" /api/v1/admin/tokens)"
check_rc "an unknown scope is a usage error" 2 "$MAMORI" hub token add --dir "$H" --tenant a --scope root

# ---- expiry
TE=$(M token add --dir "$H" --tenant a --scope upload --expires 2020-01-01)
check_eq "expired token: 401" 401 "$(up "$TE" e4)"
TL=$(M token add --dir "$H" --tenant a --scope upload --expires 2099-12-31)
check_eq "token expiring in 2099: 200" 200 "$(up "$TL" e5)"
check_rc "a bad date is a usage error" 2 "$MAMORI" hub token add --dir "$H" --tenant a --expires 2027-02-30

# ---- revoke and rotate from the CLI
IDA=$(q "SELECT id FROM tokens WHERE tenant='a' AND created=0")
M token revoke --dir "$H" --id "$IDA" >/dev/null
check_eq "revoked (CLI): the old token gets 401 at once" 401 "$(up "$TA" e6)"
IDL=$(id_of upload)
TL2=$(M token rotate --dir "$H" --id "$IDL")
check_eq "rotated (CLI): the old token 401" 401 "$(up "$TL" e7)"
check_eq "rotated (CLI): the new token 200" 200 "$(up "$TL2" e8)"
check_eq "rotated keeps the expiry" 1 "$(q "SELECT count(*) FROM tokens WHERE revoked=0 AND scopes=1 AND expires>4000000000000")"
check_rc "revoke of an unknown id: exit 2" 2 "$MAMORI" hub token revoke --dir "$H" --id tk_0000000000000000

# ---- the admin API
check_eq "admin API: add" 201 "$(code "$TADM" -X POST --data-binary '{"tenant":"a","scopes":"upload,feed","expires":"2099-01-01"}' /api/v1/admin/tokens)"
TN=$(python3 -c "import json; print(json.load(open('$TMP/resp'))['token'])")
NID=$(python3 -c "import json; print(json.load(open('$TMP/resp'))['info']['id'])")
check_eq "admin API token uploads" 200 "$(up "$TN" e9)"
check_eq "admin API: list" 200 "$(code "$TADM" "/api/v1/admin/tokens?tenant=a")"
check "admin API: the list never shows a secret or hash" bash -c "! grep -qE 'mmt_|[0-9a-f]{64}' '$TMP/resp'"
check_eq "admin API: rotate" 200 "$(code "$TADM" -X POST /api/v1/admin/tokens/$NID/rotate)"
TN2=$(python3 -c "import json; print(json.load(open('$TMP/resp'))['token'])")
check_eq "admin API: rotated old token 401" 401 "$(up "$TN" e10)"
check_eq "admin API: rotated new token 200" 200 "$(up "$TN2" e11)"
NID2=$(q "SELECT id FROM tokens WHERE revoked=0 AND scopes=3")
check_eq "admin API: revoke" 200 "$(code "$TADM" -X POST /api/v1/admin/tokens/$NID2/revoke)"
check_eq "admin API: revoked token 401" 401 "$(up "$TN2" e12)"
check_eq "admin API: bad scope 400" 400 "$(code "$TADM" -X POST --data-binary '{"tenant":"a","scopes":"root"}' /api/v1/admin/tokens)"
check_eq "admin API: unknown tenant 404" 404 "$(code "$TADM" -X POST --data-binary '{"tenant":"zz","scopes":"feed"}' /api/v1/admin/tokens)"

# ---- last-used time, written at most once a minute per token
LU1=$(q "SELECT last_used FROM tokens WHERE id='$(id_of feed)'")
check "last_used is set after a use" test "$LU1" -gt 0
code "$TF" /api/v1/feed >/dev/null; code "$TF" /api/v1/feed >/dev/null
check_eq "... and not rewritten by uses within the minute" "$LU1" "$(q "SELECT last_used FROM tokens WHERE id='$(id_of feed)'")"
check "token list shows the last use" bash -c "'$MAMORI' hub token list --dir '$H' --tenant a | grep '$(id_of feed)' | grep -q '20[0-9][0-9]-'"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
