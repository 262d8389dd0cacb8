#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/cluster-script.sh — `scripts/cluster up --front-ends 2
# --correlators 2` starts the whole scale-out hub on loopback (PostgreSQL,
# 3 NATS nodes, two TLS front ends, two partitioned correlators): both front
# ends answer, a tenant added to the hub directory can upload through either,
# the correlators store every event once, the correlators share the
# partitions, and `down` leaves no process and no directory behind.
# Skips (one TAP skip line) when PostgreSQL's or NATS's binaries are missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hub-scale.bash"
need_nats

cluster_up --front-ends 2 --correlators 2 --mamori "$MAMORI"
check "up names the hub directory and two front ends" \
  test -n "${MM_HUB_DIR:-}" -a "$(echo "${MM_FRONT_ENDS:-}" | tr ',' '\n' | grep -c '^https://')" = 2
CA=$MM_HUB_DIR/hub-cert.pem
IFS=, read -r FE1 FE2 <<<"$MM_FRONT_ENDS"
for u in "$FE1" "$FE2"; do
  check_eq "front end $u answers /api/v1/health over TLS" 200 \
    "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$u/api/v1/health")"
done

TOKEN=$("$MAMORI" hub tenant add --dir "$MM_HUB_DIR" --id acme --name Acme --kind sme 2>/dev/null)
check "a tenant is added through the hub directory (PostgreSQL)" test -n "$TOKEN"
# the front ends load new tenants on their reload (5 s)
batch() { # batch FIRST-ID: 50 events from public addresses
  python3 - "$1" <<'PY'
import json, sys, time
first = int(sys.argv[1]); now = int(time.time()) - 60
for i in range(first, first + 50):
    print(json.dumps({"@timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "event": {"id": "cl-%d" % i, "kind": "alert", "severity": "high"},
        "rule": {"id": "ssh.bruteforce"}, "source": {"ip": "45.33.32.%d" % (i % 200 + 1)}},
        separators=(",", ":")))
PY
}
upload() { # upload URL FIRST-ID: HTTP code, retried while the tenant is unknown or 5xx
  local c
  for _ in $(seq 60); do
    c=$(batch "$2" | curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' \
      -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' \
      --data-binary @- "$1/api/v1/events")
    [ "$c" = 200 ] && break
    sleep 0.5
  done
  echo "$c"
}
check_eq "an upload through front end 1 is acknowledged" 200 "$(upload "$FE1" 0)"
check_eq "an upload through front end 2 is acknowledged" 200 "$(upload "$FE2" 50)"
check "the correlators store the 100 events once" until_ok 30 events_are 100
shared() { # both correlators own partitions (fair share: 4 and 4)
  [ "$(pq "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND granted AND objsubid=2 AND classid=1835888756 GROUP BY pid ORDER BY 1" | tr '\n' ' ')" = "4 4 " ]
}
check "the two correlators share the 8 partitions" until_ok 30 shared
check "status sees every process running" "$SRCDIR/scripts/cluster" status --dir "$CL"

pids=$(cat "$CL"/fe*/pid "$CL"/corr*/pid "$CL"/nats*/pid 2>/dev/null | tr '\n' ' ')
"$SRCDIR/scripts/cluster" down --dir "$CL" >/dev/null 2>&1
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
check_eq "down stops the front ends, correlators and NATS nodes" 0 "$alive"
check "down removes the directory" test ! -e "$CL"
