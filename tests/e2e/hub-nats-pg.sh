#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-nats-pg.sh — PostgreSQL restarted (immediate mode: every
# session cut, no shutdown checkpoint) under the scale-out hub while six
# retrying uploaders send batches that open campaigns through two front
# ends (`serve --bus`, 8 partitions) to two partitioned correlators
# (`hub correlate --partitions 8`), all on a local cluster (scripts/cluster):
# every batch an uploader saw acknowledged is stored exactly once and whole,
# every (campaign, tenant) has exactly one warning, no campaign is opened
# twice, and both correlators recover by themselves (not restarted here):
# each takes its partitions' locks again (the restart dropped them with its
# session) and logs the failures it rode out.
# Skips (one TAP skip line) when PostgreSQL's or NATS's binaries are missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hub-scale.bash"
need_nats

cluster_up
HP=$TMP/hp
setup_hub "$HP" p "$MM_PG_URI"
for f in f1 f2; do
  cp -r "$HP" "$TMP/$f"
  printf 'bus = %s\nbus_partitions = 8\n' "$MM_NATS_URLS" >>"$TMP/$f/hub.conf"
done
declare -A CORR
for c in c1 c2; do
  "$MAMORI" hub correlate --store "$MM_PG_URI" --bus "$MM_NATS_URLS" \
    --dir "$HP" --partitions 8 --group 8 2>>"$TMP/correlate-$c.log" &
  CORR[$c]=$!; PIDS+=("$!")
done
# the partitions held, per correlator session: "4 4" when shared evenly
held() {
  pq "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND granted AND objsubid=2 AND classid=1835888756 GROUP BY pid ORDER BY 1" | tr '\n' ' ' | sed 's/ $//'
}
held_is() { [ "$(held)" = "$1" ]; }
# uncampaigned PREFIX: addresses of PREFIX's events sent by two tenants or
# more that are in no campaign, neither their own nor their /24's
uncampaigned() {
  pq "WITH a AS (SELECT src_ip FROM events WHERE event_id LIKE '$1%' GROUP BY src_ip HAVING count(DISTINCT tenant) > 1) SELECT count(*) FROM a WHERE NOT EXISTS (SELECT 1 FROM campaigns c WHERE (c.key_type='ip' AND c.key=a.src_ip) OR (c.key_type='net' AND c.key=regexp_replace(a.src_ip, '[.][0-9]+\$', '.0/24')))"
}
backends() { pq "SELECT string_agg(pid::text, ' ' ORDER BY pid) FROM pg_locks WHERE locktype='advisory' AND granted AND objsubid=2 AND classid=1835888756"; }
check "two correlators share the 8 partitions (4 each)" until_ok 15 held_is "4 4"
locks_before=$(backends)
start_hub "$TMP/f1"; F1=$HUBPID
start_hub "$TMP/f2"; F2=$HUBPID

# ---- a new indicator reaches a long poll on the other front end at once ------
# the correlator announces its commit on mamori.changed and the front end
# reloads then (bus-notice.c), not at its 5-second reload: three rounds,
# each answered within 1.5 s of the campaign-opening upload
cat >"$TMP/notice.py" <<'PY'
import json, sys, threading, time, urllib.request
p1, p2, ta, tb = [open(sys.argv[1]).read().strip(), open(sys.argv[2]).read().strip()] + sys.argv[3:5]
def req(port, path, tok, body=None):
    r = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), body, {"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(r, timeout=30) as f:
        return json.loads(f.read() or b"{}")
out = []
for i in range(3):
    cur = int(req(p2, "/api/v1/feed?since=0", ta)["cursor"])
    got = {}
    def poll():
        got["c"] = int(req(p2, "/api/v1/feed?since=%d&wait=20" % cur, ta)["cursor"])
        got["t"] = time.monotonic()
    th = threading.Thread(target=poll); th.start(); time.sleep(0.3)
    for t, tok in (("a", ta), ("b", tb)):
        req(p1, "/api/v1/events", tok, ('{"@timestamp":"%s","event":{"id":"nt-%s-%d","kind":"alert",'
            '"severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"47.1.%d.9"}}\n'
            % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), t, i, i)).encode())
    acked = time.monotonic(); th.join()
    out.append("%d" % ((got["t"] - acked) * 1000) if got.get("c", cur) > cur else "none")
print(" ".join(out))
PY
lat=$(python3 "$TMP/notice.py" "$TMP/f1/hub.port" "$TMP/f2/hub.port" "${TOK[ap]}" "${TOK[bp]}")
echo "# new indicator -> long poll answered on the other front end (ms): $lat"
check "a long poll on the other front end hears of each new indicator within 1.5 s (notice, not the 5 s reload)" \
  python3 -c 'import sys; v = sys.argv[1:]; sys.exit(not (len(v) == 3 and all(x.isdigit() and int(x) < 1500 for x in v)))' $lat

# ---- PostgreSQL restarted under load ----------------------------------------
# restart_under_load PREFIX PORTS LABEL VERIFY-LABEL [RESTART-CHECK]: six
# uploaders (batch ids PREFIX…) send to PORTS; once 12 batches are acked,
# PostgreSQL restarts in immediate mode (checked as RESTART-CHECK when
# given); uploads go on, and every acked batch ends up stored exactly once.
restart_under_load() {
  local p=$1 t0 rc mid
  run_load "$p" "$2" 14 0.2 0
  until_ok 10 bash -c "[ \$(grep -c '^$p' '$TMP/acked-$p') -ge 12 ]"
  t0=$(date +%s%N)
  "$SRCDIR/scripts/cluster" pg-restart --dir "$CL" >/dev/null 2>&1; rc=$?
  [ -n "${5:-}" ] && check "$5" test "$rc" -eq 0
  echo "# PostgreSQL back $((($(date +%s%N) - t0) / 1000000)) ms after the restart began"
  mid=$(grep -c "^$p" "$TMP/acked-$p")
  until_ok 20 bash -c "! kill -0 ${LOAD[*]} 2>/dev/null"
  stop_load
  check_ge "${3}uploads continued after the restart" $((mid + 1)) "$(grep -c "^$p" "$TMP/acked-$p")"
  check "${3}every acknowledged batch is stored after the restart" until_ok 40 all_acked_stored "$p"
  verify "$p" "$4"
}
# shared addresses: every batch number opens campaigns (warnings) at k = 2
restart_under_load r "$TMP/f1/hub.port,$TMP/f2/hub.port" "" "PostgreSQL restarted" \
  "PostgreSQL restarted in immediate mode"
check "both correlators take their 8 partitions' locks again (4 each)" until_ok 15 held_is "4 4"
check "… in new database sessions" test "$(backends)" != "$locks_before"
check_eq "the correlators were not restarted" "0 0" \
  "$(kill -0 "${CORR[c1]}"; echo -n "$? "; kill -0 "${CORR[c2]}"; echo $?)"
check_ge "the load opened campaigns" 20 "$(pq "SELECT count(*) FROM campaigns WHERE key LIKE '45.62.%'")"
campaigns_warned_once
check_eq "every stored event correlated by a partition" 0 \
  "$(pq "SELECT count(*) FROM events e WHERE e.event_id LIKE 'r%' AND NOT EXISTS (SELECT 1 FROM event_parts p WHERE p.tenant=e.tenant AND p.event_id=e.event_id)")"
check_ge "addresses sent by two tenants or more" 500 \
  "$(pq "SELECT count(*) FROM (SELECT src_ip FROM events WHERE event_id LIKE 'r%' GROUP BY 1 HAVING count(DISTINCT tenant) > 1) a")"
check_eq "no campaign lost: each of them is in one (its own or its /24's)" 0 "$(uncampaigned r)"
for c in c1 c2; do
  check "correlator $c logs the store away and its recovery (ja/en)" \
    grep -q 'recovered' "$TMP/correlate-$c.log"
done
kill "$F1" "$F2" "${CORR[c1]}" "${CORR[c2]}"
rc=""
for p in "$F1" "$F2" "${CORR[c1]}" "${CORR[c2]}"; do wait "$p"; rc+="$? "; done
check_eq "front ends and correlators stop cleanly (no sanitizer report)" "0 0 0 0 " "$rc"
[ "$rc" = "0 0 0 0 " ] || tail -n 20 "$TMP/serve.log" "$TMP"/correlate-*.log

# ---- the same with one unpartitioned correlator -------------------------------
# (subjects mamori.batch.<tenant>, durable "correlate"): its memory is
# rebuilt from the store once PostgreSQL is back (correlate.c h->stale)
cp -r "$HP" "$TMP/f3"
echo "bus = $MM_NATS_URLS" >>"$TMP/f3/hub.conf"
"$MAMORI" hub correlate --store "$MM_PG_URI" --bus "$MM_NATS_URLS" \
  --dir "$HP" --group 8 2>>"$TMP/correlate-u.log" &
CU=$!; PIDS+=("$CU")
start_hub "$TMP/f3"; F3=$HUBPID
restart_under_load u "$TMP/f3/hub.port" "one correlator: " \
  "one correlator, PostgreSQL restarted"
campaigns_warned_once "one correlator: "
check_eq "one correlator: no campaign lost" 0 "$(uncampaigned u)"
check "one correlator: it was not restarted" kill -0 "$CU"
kill "$F3" "$CU"
rc=""
for p in "$F3" "$CU"; do wait "$p"; rc+="$? "; done
check_eq "one correlator: front end and correlator stop cleanly" "0 0 " "$rc"
check "one correlator: its summary counts the fetches it retried" \
  grep -Eq 'stopped: .* [1-9][0-9]* retried fetches' "$TMP/correlate-u.log"
