#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-console.sh [SMES] [ALERTS] [REQUESTS] — latency of the console's
# API pages on a big hub: SMES SME tenants (default 500) watched by one
# provider, ALERTS stored alerts (default 1,000,000) spread over them and over
# 30 days, written straight into the hub's SQLite store (the setup, not what
# is measured). Then the real `mamori hub serve` answers REQUESTS (default
# 200) of each page over loopback HTTP with a logged-in session, one at a
# time, and the p50 / p95 / max of curl's total time are printed:
#   GET /api/v1/alerts   as the provider (its queue over all 500 SMEs)
#   GET /api/v1/summary  as one SME (its month)
#   GET /api/v1/tenants  as the provider
#   GET /                the console page itself
# The hub is built from this tree (MAMORI, default build/mamori).
set -euo pipefail
cd "$(dirname "$0")/.."
MAMORI=${MAMORI:-build/mamori}
SMES=${1:-500} ALERTS=${2:-1000000} REQ=${3:-200}
W=${BENCH_DIR:-build/bench}/console-hub
# BENCH_CONSOLE_REUSE=1 keeps a hub made by an earlier run with the same sizes
if [ "${BENCH_CONSOLE_REUSE:-0}" = 1 ] && [ -f "$W/setup-$SMES-$ALERTS" ]; then
  echo "setup: reusing $W ($SMES SME tenants, $ALERTS alerts)"
else
rm -rf "$W"
mkdir -p "$(dirname "$W")"
"$MAMORI" hub init --dir "$W" --listen 127.0.0.1:0 --plain >/dev/null
"$MAMORI" hub tenant add --dir "$W" --id prov --name "Provider" --kind provider >/dev/null 2>&1
echo "console-bench-provider" | "$MAMORI" hub user add --dir "$W" --tenant prov --role provider --name prov-user --password-stdin >/dev/null
T0=$EPOCHREALTIME
# tenants, provider links and alerts generated in SQLite; ts spread over the
# last 30 days (ms), a realistic alert JSON (rule names, advice, count);
# severities low, medium, high (a critical alert opens an incident case; the
# case sweep is measured by tests/e2e/hub-case-sweep.sh, not here)
sqlite3 "$W/hub.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$SMES)
INSERT INTO tenants(id,name,kind,token_hash) SELECT printf('sme-%04d',i), printf('SME %d 株式会社',i), 'sme',
  printf('%064x', i) FROM n;
INSERT INTO provider_links(provider,sme) SELECT 'prov', id FROM tenants WHERE kind='sme';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$ALERTS)
INSERT INTO events(tenant,event_id,kind,ts,rule_id,severity,src_ip,received,json)
SELECT printf('sme-%04d', 1 + i % $SMES), printf('ev-%d',i), 'alert',
  CAST(strftime('%s','now') AS INTEGER)*1000 - (($ALERTS - i) * 2592000000 / $ALERTS),
  CASE i % 3 WHEN 0 THEN 'ssh.bruteforce' WHEN 1 THEN 'ssh.password_spray' ELSE 'ssh.scan' END,
  1 + i % 3, printf('203.0.%d.%d', (i / 256) % 256, i % 256),
  CAST(strftime('%s','now') AS INTEGER)*1000 - (($ALERTS - i) * 2592000000 / $ALERTS),
  '{"@timestamp":"2026-12-01T00:00:00Z","event":{"kind":"alert"},"rule":{"id":"ssh.bruteforce",' ||
  '"name":"SSH password brute force","name_ja":"SSHへのパスワード総当たり攻撃"},' ||
  '"source":{"ip":"203.0.113.7"},"mamori":{"count":12,"first_seen":"2026-12-01T00:00:00Z",' ||
  '"last_seen":"2026-12-01T00:05:00Z","advice":{"ja":"同じ送信元からSSHのログインが繰り返し失敗しています。","en":"Repeated failed SSH logins from one source."}}}'
FROM n;
COMMIT;
SQL
# each SME its console user: only the one measured is needed
echo "console-bench-sme" | "$MAMORI" hub user add --dir "$W" --tenant sme-0001 --role sme --name sme-user --password-stdin >/dev/null
T1=$EPOCHREALTIME
setup=$(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')
echo "setup: $SMES SME tenants, $(sqlite3 "$W/hub.db" "SELECT count(*) FROM events WHERE kind='alert'") alerts in SQLite (${setup} s)"
touch "$W/setup-$SMES-$ALERTS"
fi

rm -f "$W/hub.port"
"$MAMORI" hub serve --dir "$W" --plain 2>"$W/serve.log" &
HUB=$!
trap 'kill $HUB 2>/dev/null; wait $HUB 2>/dev/null' EXIT
# a first start on a fresh 1M-alert store checkpoints its WAL: allow 60 s
for _ in $(seq 600); do [ -s "$W/hub.port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$W/hub.port")"
login() {
  curl -sf -c "$W/$1.jar" -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"user\":\"$1\",\"password\":\"$2\"}" "$URL/api/v1/session"
}
login prov-user console-bench-provider
login sme-user console-bench-sme

# measure NAME JAR PATH: REQ sequential requests; p50/p95/max in ms
measure() {
  local f=$W/times-$1
  : >"$f"
  curl -sf -b "$W/$2.jar" -o /dev/null "$URL$3" # warm-up (and a check)
  for _ in $(seq "$REQ"); do
    curl -s -b "$W/$2.jar" -o /dev/null -w '%{time_total}\n' "$URL$3" >>"$f"
  done
  sort -n "$f" | awk -v name="$1" -v path="$3" '{v[NR]=$1*1000} END {
    p50=v[int(NR*0.50+0.5)]; p95=v[int(NR*0.95+0.5)];
    printf "%-34s %-30s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  (%d requests)\n",
      name, path, p50, p95, v[NR], NR }'
}
measure "alerts queue (provider, 500 SMEs)" prov-user /api/v1/alerts
measure "alerts, severity >= high (provider)" prov-user "/api/v1/alerts?severity=high"
measure "summary (one SME, this month)" sme-user /api/v1/summary
measure "alerts (one SME)" sme-user /api/v1/alerts
measure "tenants (provider)" prov-user /api/v1/tenants
measure "console page" sme-user /
