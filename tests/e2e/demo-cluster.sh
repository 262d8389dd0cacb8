#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/demo-cluster.sh — `mamori demo --cluster [--chaos]`: the demo's
# replay through PostgreSQL, a 3-node NATS JetStream cluster, three front
# ends and two partitioned correlators, all started by the demo itself, gives the same
# figures as the single-node demo, key by key — also while one front end,
# a correlator and one NATS node are killed with SIGKILL (--chaos). No
# process and no directory is left behind, also after a Ctrl-C (SIGINT);
# missing programs are a clear error naming the Debian packages (exit 2).
# The three demos run at the same time (the replay waits on its own
# events, so load changes timings, not figures).
. "$(dirname "$0")/lib.sh"
set -u

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
   ! PATH=$PATH:/usr/sbin command -v nats-server >/dev/null; then
  echo "ok - # skip PostgreSQL or nats-server missing (scripts/deps installs them)"
  exit 0
fi
# the demos' temporary directories go here; PostgreSQL runs as the postgres
# user when we are root, so it must be able to pass through
T=$TMP/t
mkdir "$T"
chmod 711 "$TMP" "$T"
leftovers() { # leftovers [DIR]: processes with DIR ($T) on their command line or as their cwd
  local d=${1:-$T}
  { pgrep -f -- "$d" || true
    for p in /proc/[0-9]*; do
      case "$(readlink "$p/cwd" 2>/dev/null)" in "$d"/*) echo "${p#/proc/}" ;; esac
    done; } | sort -u | tr '\n' ' '
}
demo() { # demo NAME ARGS…: runs the demo, stdout to $TMP/NAME.out
  local n=$1; shift
  TMPDIR=$T "$MAMORI" demo --json --samples "$SRCDIR/data/samples" "$@" \
    >"$TMP/$n.out" 2>"$TMP/$n.err"
  echo $? >"$TMP/$n.rc"
}
# Ctrl-C while the cluster runs (at the same time as the three, in its own
# directory): everything stopped, the directory removed. python3 gives the
# background demo SIGINT's default action back, which a non-interactive
# shell takes away.
T2=$TMP/int
mkdir "$T2"
chmod 711 "$T2"
interrupt() {
  TMPDIR=$T2 python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
    "$MAMORI" demo --cluster --samples "$SRCDIR/data/samples" >"$TMP/int.out" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do grep -q "scale-out" "$TMP/int.out" && break; sleep 0.1; done
  sleep 1
  kill -INT "$pid"
  wait "$pid"
  echo $? >"$TMP/int.rc"
}
start=$SECONDS
interrupt &
demo single &
demo cluster --cluster &
demo chaos --cluster --chaos &
wait
echo "# three demos in $((SECONDS - start)) s"
for n in single cluster chaos; do
  check_eq "demo $n exits 0" 0 "$(cat "$TMP/$n.rc")"
  [ "$(cat "$TMP/$n.rc")" = 0 ] || tail -5 "$TMP/$n.err" | sed 's/^/# /'
  tail -1 "$TMP/$n.out" >"$TMP/$n.json"
done
# key by key: every key of the single-node JSON, the same value, except the
# wall-clock feed latency (the front ends see new indicators on their
# 5-second reload) and the work directory
cat >"$TMP/cmp.py" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
skip = {"feed_latency_ms", "dir"}
bad = ["%s: %r != %r" % (k, a[k], b.get(k, "<missing>"))
       for k in a if k not in skip and a[k] != b.get(k)]
print("; ".join(bad) or "same")
PY
for n in cluster chaos; do
  check_eq "--$n: the single-node demo's keys and values" same \
    "$(python3 "$TMP/cmp.py" "$TMP/single.json" "$TMP/$n.json" 2>&1)"
  check_eq "--$n: store, bus and node counts" \
    "postgresql nats 3 2 3 1" \
    "$(jq -r '[.store, .bus, .nodes.frontends, .nodes.correlators, .nodes.nats, .nodes.postgresql] | map(tostring) | join(" ")' "$TMP/$n.json" 2>&1)"
  check "--$n: the campaigns opened" test "$(jq .campaigns "$TMP/$n.json")" -ge 1
done
check_eq "--cluster: nothing killed" "[]" "$(jq -c .killed "$TMP/cluster.json")"
check_eq "--chaos: a front end, a correlator and a NATS node killed (SIGKILL)" \
  "frontend correlator nats SIGKILL" \
  "$(jq -r '[.killed[].what] + [.killed | map(.signal) | unique[]] | join(" ")' "$TMP/chaos.json")"
check "--chaos: each kill says when (after which visit, ms into the replay)" \
  jq -e 'all(.killed[]; .after_visit >= 1 and .at_ms >= 0 and .pid > 0)' "$TMP/chaos.json"
check "--chaos: narrated in Japanese, then English" \
  grep -q "障害の実演: 受付サーバー fe2 を強制終了" "$TMP/chaos.out"
check "--cluster: the narration says what runs" grep -q "PostgreSQL" "$TMP/cluster.out"
check_eq "no process left behind" "" "$(leftovers)"
check_eq "no directory left behind" "" "$(ls -A "$T")"
check "SIGINT: it came while the cluster ran" grep -q "scale-out" "$TMP/int.out"
check_eq "SIGINT: the demo ends by the signal" 130 "$(cat "$TMP/int.rc")"
check_eq "SIGINT: no process left behind" "" "$(leftovers "$T2")"
check_eq "SIGINT: no directory left behind" "" "$(ls -A "$T2")"

# missing programs: a clear message in Japanese and English, exit 2
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
   unshare -m true 2>/dev/null; then
  nats=$(PATH=$PATH:/usr/sbin command -v nats-server)
  unshare -m sh -c "mount --bind /dev/null '$nats' && TMPDIR='$T' '$MAMORI' demo --cluster --samples '$SRCDIR/data/samples'" \
    >"$TMP/miss.out" 2>&1
  check_eq "nats-server missing: exit 2" 2 "$?"
  check "nats-server missing: says so, with the package" \
    grep -q "nats-server がインストールされていません.*apt-get install nats-server.*nats-server is not installed" "$TMP/miss.out"
  check_eq "nats-server missing: no directory left behind" "" "$(ls -A "$T")"
else
  echo "ok - # skip missing-program check (needs root and unshare -m)"
fi
check_rc "--serve does not go with --cluster" 2 "$MAMORI" demo --cluster --serve
