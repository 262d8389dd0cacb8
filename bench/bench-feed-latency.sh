#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench-feed-latency.sh [ROUNDS=20] — how late a sensor's long poll
# through the cluster hears of a new indicator (docs/scale.md, "Feed
# latency through the cluster"): PostgreSQL and a 3-node NATS cluster
# (scripts/cluster, loopback), two front ends (`serve --bus`, plain HTTP)
# and one correlator. Each round: a long poll of the feed waits on front
# end 2 (`GET /api/v1/feed?since=CURSOR&wait=25`), tenant a then tenant b
# report a fresh address to front end 1; b's upload opens the campaign
# (k = 2) and its indicator. Measured: from b's acknowledgement to the long
# poll's answer. Prints p50, p90 and max. Not part of `make bench`; run by
# hand after `make -j2` (MAMORI=… picks another binary):
#   bench/bench-feed-latency.sh [ROUNDS]
set -euo pipefail
ROUNDS=${1:-20}
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
MAMORI=${MAMORI:-$SRCDIR/build/mamori}
DIR=$(mktemp -d /tmp/mm-feedlat.XXXXXX)
chmod 755 "$DIR"
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  "$SRCDIR/scripts/cluster" down --dir "$DIR/cl" >/dev/null 2>&1
  rm -rf "$DIR"
}
trap cleanup EXIT
"$SRCDIR/scripts/cluster" up --dir "$DIR/cl" --fast >"$DIR/up.log" 2>&1
. "$DIR/cl/cluster.env"
H=$DIR/hub
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
printf 'rate = 100000\nburst = 100000\nstore = %s\n' "$MM_PG_URI" >>"$H/hub.conf"
TA=$("$MAMORI" hub tenant add --dir "$H" --id a --name A --kind sme 2>/dev/null)
TB=$("$MAMORI" hub tenant add --dir "$H" --id b --name B --kind sme 2>/dev/null)
"$MAMORI" hub correlate --store "$MM_PG_URI" --bus "$MM_NATS_URLS" --dir "$H" \
  --group 1 2>"$DIR/correlate.log" &
PIDS+=($!)
for f in f1 f2; do
  cp -r "$H" "$DIR/$f"
  echo "bus = $MM_NATS_URLS" >>"$DIR/$f/hub.conf"
  "$MAMORI" hub serve --dir "$DIR/$f" --plain 2>"$DIR/$f.log" &
  PIDS+=($!)
done
for f in f1 f2; do
  for _ in $(seq 300); do [ -s "$DIR/$f/hub.port" ] && break; sleep 0.1; done
done
python3 - "$(cat "$DIR/f1/hub.port")" "$(cat "$DIR/f2/hub.port")" "$TA" "$TB" "$ROUNDS" <<'PY'
import json, sys, threading, time, urllib.request
p1, p2, ta, tb, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def req(port, path, tok, body=None, timeout=40):
    r = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), body,
                               {"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(r, timeout=timeout) as f:
        return f.status, f.read()
def cursor():
    return int(json.loads(req(p2, "/api/v1/feed?since=0", ta)[1])["cursor"])
def sighting(tenant, i):
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return ('{"@timestamp":"%s","event":{"id":"lat-%s-%d-%d","kind":"alert","severity":"high"},'
            '"rule":{"id":"ssh.bruteforce"},"source":{"ip":"47.%d.%d.9"}}\n'
            % (ts, tenant, i, int(time.time()), i // 200 + 1, i % 200)).encode()
lat = []
for i in range(rounds):
    cur = cursor()
    got = {}
    def poll():
        st, body = req(p2, "/api/v1/feed?since=%d&wait=25" % cur, ta)
        got["t"] = time.monotonic()
        got["cursor"] = int(json.loads(body)["cursor"])
    th = threading.Thread(target=poll); th.start()
    time.sleep(0.3)  # the poll is parked on front end 2
    req(p1, "/api/v1/events", ta, sighting("a", i))
    req(p1, "/api/v1/events", tb, sighting("b", i))
    acked = time.monotonic()
    th.join()
    if got.get("cursor", cur) > cur:
        lat.append(got["t"] - acked)
    time.sleep(0.2)
lat.sort()
if not lat:
    sys.exit("no round answered with a new cursor")
q = lambda f: lat[min(len(lat) - 1, int(len(lat) * f))] * 1000
print("feed long poll through another front end, campaign-opening upload acked -> poll answered "
      "(%d of %d rounds): p50 %.0f ms, p90 %.0f ms, max %.0f ms" % (len(lat), rounds, q(0.5), q(0.9), lat[-1] * 1000))
PY
