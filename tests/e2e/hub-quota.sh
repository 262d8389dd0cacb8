#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-quota.sh — issue 12 §4: one SME token filling the hub's
# disk (155 MB in 5 s, then 500 for everyone while /health said ok). Now:
# per-tenant events/s and bytes/s buckets (429 + Retry-After), a storage
# quota per tenant (429, disk stays under it), retention (old events pruned,
# quota freed), /health 503 when the store's disk is full, and the sensor's
# uplink backing off on 429 without losing an event.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
MNT=""
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
M() { "$MAMORI" hub "$@" 2>/dev/null; }
start_hub() {
  hub_serve "$H" --plain
}
stop_hub() { kill "$HUBPID"; wait "$HUBPID" 2>/dev/null; }
# batch FILE PREFIX N PAD DAYS_AGO: N events, each with PAD bytes of padding
batch() {
  python3 - "$@" <<'PY'
import sys, time, json
f, pre, n, pad, ago = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - ago * 86400))
with open(f, "w") as o:
    for i in range(n):
        o.write(json.dumps({"@timestamp": ts, "event": {"id": f"{pre}-{i}", "kind": "event"},
                            "source": {"ip": "45.33.32.1"}, "message": "x" * pad}) + "\n")
PY
}
post() { # post TOKEN FILE -> HTTP code; headers in $TMP/hdr
  curl -s -D "$TMP/hdr" -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer $1" \
    --data-binary @"$2" "$URL/api/v1/events"
}
q() { sqlite3 "$H/hub.db" "$1"; }

M init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null
cat >>"$H/hub.conf" <<'CONF'
tenant_quota_mb = 4
tenant_events_per_s = 100
min_free_mb = 1
CONF
check "hub.conf documents the quota defaults" bash -c "'$MAMORI' hub init --dir '$TMP/h2' --plain >/dev/null 2>&1 && grep -q '^tenant_quota_mb = 1024' '$TMP/h2/hub.conf' && grep -q '^retention_days = 90' '$TMP/h2/hub.conf' && grep -q '^tenant_events_per_s = 2000' '$TMP/h2/hub.conf' && grep -q '^tenant_bytes_per_s = 2000000' '$TMP/h2/hub.conf' && grep -q '^min_free_mb = 256' '$TMP/h2/hub.conf'"
TR=$(M tenant add --dir "$H" --id rate --name R --kind sme)
TQ=$(M tenant add --dir "$H" --id quota --name Q --kind sme)
TO=$(M tenant add --dir "$H" --id other --name O --kind sme)
start_hub

# ---- events/s: the bucket holds max(10 s, one batch) = 10,000 events
for i in 1 2 3; do batch "$TMP/r$i" "r$i" 4000 10 0; done
c1=$(post "$TR" "$TMP/r1"); c2=$(post "$TR" "$TMP/r2"); c3=$(post "$TR" "$TMP/r3")
check_eq "events/s: two batches pass, the third (over 10,000) gets 429" "200 200 429" "$c1 $c2 $c3"
RA=$(tr -d '\r' <"$TMP/hdr" | awk -F': ' 'tolower($1)=="retry-after"{print $2}')
check "... with Retry-After (s) ≥ 1" test "${RA:-0}" -ge 1
check "... and the reason names the limit" grep -q 'events/s' "$TMP/resp"
check_eq "... nothing of the refused batch stored" 0 "$(q "SELECT count(*) FROM events WHERE event_id LIKE 'r3-%'")"
batch "$TMP/o1" o1 10 10 0
check_eq "another tenant is not slowed by it" 200 "$(post "$TO" "$TMP/o1")"

# ---- storage quota: ~1 MB batches until 429; then the
# attack of the issue (155 MB) only gets 429s and the disk stays small
for i in $(seq 1 40); do batch "$TMP/q$i" "q$i" 500 2000 100; done
codes=""
for i in $(seq 1 40); do codes="$codes $(post "$TQ" "$TMP/q$i")"; done
n200=$(echo "$codes" | tr ' ' '\n' | grep -c '^200$')
n429=$(echo "$codes" | tr ' ' '\n' | grep -c '^429$')
check "quota: the first batches are stored (3 of ~1 MB under 4 MB)" test "$n200" -ge 3 -a "$n200" -le 4
check_eq "quota: every later batch is refused with 429 (40 MB tried)" 40 "$((n200 + n429))"
check "... the reason names the storage quota" grep -q 'quota' "$TMP/resp"
check "... with a Retry-After" grep -qi '^retry-after:' "$TMP/hdr"
STORED=$(q "SELECT sum(length(json)) FROM events WHERE tenant='quota'")
check "stored bytes of the tenant stay under its 4 MB quota ($STORED)" test "$STORED" -le 4000000
DU=$(du -sb "$H" | cut -f1)
check "the hub's directory stays under 16 MB after 40 MB were sent ($DU bytes)" test "$DU" -lt 16000000
curl -s "$URL/metrics" >"$TMP/metrics"
check "metrics show the tenant's stored bytes" grep -q 'mamori_hub_tenant_stored_bytes{tenant="quota"}' "$TMP/metrics"
check_eq "other tenants still upload" 200 "$(batch "$TMP/o2" o2 10 10 0; post "$TO" "$TMP/o2")"

# ---- retention: 100 days pass for those events (their arrival time is
# moved back, the hub stopped); retention_days is 90, so the housekeeping
# pass at start prunes them and frees the quota
stop_hub
q "UPDATE events SET received = received - 100 * 86400000 WHERE id <= (SELECT max(id) FROM events WHERE tenant='quota')"
start_hub
for _ in $(seq 50); do [ "$(q "SELECT count(*) FROM events WHERE tenant='quota'")" = 0 ] && break; sleep 0.1; done
check_eq "retention: events stored longer than 90 days pruned" 0 "$(q "SELECT count(*) FROM events WHERE tenant='quota'")"
check_eq "older tenants' events pruned too" 0 "$(q "SELECT count(*) FROM events WHERE tenant='rate'")"
check_eq "events stored since are kept" 10 "$(q "SELECT count(*) FROM events WHERE event_id LIKE 'o2-%'")"
batch "$TMP/q-new" qn 100 100 0
check_eq "the tenant can upload again once its old events are gone" 200 "$(post "$TQ" "$TMP/q-new")"
check_eq "health ok" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")"
stop_hub

# ---- /health and uploads when the store's disk is full (a small tmpfs)
MNT=$TMP/small; mkdir -p "$MNT"
if mount -t tmpfs -o size=8m tmpfs "$MNT" 2>/dev/null; then
  OLDH=$H; H=$MNT/hub
  M init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null
  echo "min_free_mb = 1" >>"$H/hub.conf"
  TO=$(M tenant add --dir "$H" --id other --name O --kind sme)
  start_hub
  check_eq "tmpfs hub: health ok" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")"
  dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null
  sleep 1.1
  check_eq "disk full: health 503" 503 "$(curl -s -o "$TMP/h" -w '%{http_code}' "$URL/api/v1/health")"
  check "... saying why" grep -q 'error' "$TMP/h"
  batch "$TMP/f1" f1 5 10 0
  check_eq "disk full: an upload gets 503 (retry later), not a 500" 503 "$(post "$TO" "$TMP/f1")"
  check "... with Retry-After" grep -qi '^retry-after:' "$TMP/hdr"
  rm -f "$MNT/fill"; sleep 1.1
  check_eq "space again: health 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")"
  check_eq "space again: the upload is stored" 200 "$(post "$TO" "$TMP/f1")"
  stop_hub
  H=$OLDH
  umount "$MNT" && MNT=""
else
  ok "disk-full health check # SKIP cannot mount a tmpfs (not root)"
fi
