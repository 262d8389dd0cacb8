#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-groupcommit.sh — group commit under kill -9: six concurrent
# uploaders (three tenants) keep the hub busy so several batches share one
# transaction; the hub is killed with SIGKILL three times at different
# moments. After each restart every acknowledged batch must be stored whole,
# no batch partly, and the metrics must show fewer commits than batches.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
start_hub() {
  hub_serve "$H" --plain
}
q() { sqlite3 "$H/hub.db" "$1"; }

"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
printf 'rate = 100000\nburst = 100000\n' >>"$H/hub.conf"
printf 'tenant_events_per_s = 1e9\ntenant_bytes_per_s = 1e12\ntenant_quota_mb = 1000000\n' >>"$H/hub.conf"
TOK=()
for t in g1 g2 g3; do
  TOK+=("$("$MAMORI" hub tenant add --dir "$H" --id "$t" --name "$t" --kind sme 2>/dev/null)")
done
check_eq "three tenants" 3 "$(q "SELECT count(*) FROM tenants WHERE id LIKE 'g%'")"

# load.py URL TOKEN PREFIX ACKED STOP: batches of 200 events with ids
# PREFIX<n>-<i>; writes n to ACKED once the hub acknowledged batch n. A
# batch that got no answer (a loaded machine, the hub killed) is sent again,
# as a sensor does, until the file STOP exists.
cat >"$TMP/load.py" <<'PY'
import os, sys, urllib.request, urllib.error, time
url, tok, prefix, acked, stop = sys.argv[1:6]
ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
n = 0
with open(acked, "a") as out:
    while True:
        body = "".join('{"@timestamp":"%s","event":{"id":"%s%d-%d","kind":"event"},"source":{"ip":"45.61.%d.%d"}}\n'
                       % (ts, prefix, n, i, n % 250, i % 250) for i in range(200)).encode()
        try:
            req = urllib.request.Request(url, body, {"Authorization": "Bearer " + tok})
            if urllib.request.urlopen(req, timeout=10).status == 200:
                out.write("%s%d\n" % (prefix, n)); out.flush()
        except urllib.error.HTTPError as e:
            out.write("refused %d\n" % e.code); out.flush()
            break
        except Exception:
            if os.path.exists(stop):
                break  # the hub was killed for good
            time.sleep(0.1)
            continue
        n += 1
PY

commits=0 batches=0
for round in 1 2 3; do
  start_hub
  LP=()
  for w in 0 1 2 3 4 5; do
    t=$((w % 3))
    python3 "$TMP/load.py" "$URL/api/v1/events" "${TOK[$t]}" "r${round}w${w}x" "$TMP/acked-g$((t + 1))" "$TMP/stop$round" &
    LP+=($!); PIDS+=($!)
  done
  sleep $((round + 1))
  if [ "$round" = 3 ]; then
    m=$(curl -s "$URL/metrics")
    batches=$(awk '/^mamori_hub_batches_total/ {print $2}' <<<"$m")
    commits=$(awk '/^mamori_hub_commits_total/ {print $2}' <<<"$m")
  fi
  kill -9 "$HUBPID"; wait "$HUBPID" 2>/dev/null
  touch "$TMP/stop$round"
  for p in "${LP[@]}"; do wait "$p" 2>/dev/null; done
done
check_eq "no batch refused" 0 "$(cat "$TMP"/acked-g* | grep -c refused)"
ACKED=$(cat "$TMP"/acked-g* | grep -vc refused)
check_ge "many batches acknowledged across three kills" 30 "$ACKED"
echo "# third round before the kill: ${batches:-?} batches in ${commits:-?} commits"
check_ge "several batches per transaction under load (batches > commits)" 1 \
  "$(( ${batches:-0} > ${commits:-0} && ${commits:-0} > 0 ))"
start_hub
missing=0
for t in 1 2 3; do
  # one query per tenant: the acknowledged prefixes that are not whole
  grep -v refused "$TMP/acked-g$t" | sed 's/$/-/' >"$TMP/want-$t"
  have=$(q "SELECT substr(event_id,1,instr(event_id,'-')) FROM events WHERE tenant='g$t'
            GROUP BY 1 HAVING count(*) = 200" | sort)
  missing=$((missing + $(comm -23 <(sort "$TMP/want-$t") <(echo "$have") | wc -l)))
done
check_eq "after three kill -9 every acknowledged batch is stored whole ($ACKED batches)" 0 "$missing"
check_eq "no partial batch in the store" 0 \
  "$(q "SELECT count(*) FROM (SELECT tenant, substr(event_id,1,instr(event_id,'-')) p, count(*) c
        FROM events WHERE tenant LIKE 'g%' GROUP BY 1, 2 HAVING c != 200)")"
check "hub serves again" bash -c "curl -sf '$URL/api/v1/health' >/dev/null"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
