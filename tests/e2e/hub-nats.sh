#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-nats.sh — the scale-out hub: two front ends (`hub serve
# --bus`) publishing to a 3-node NATS JetStream cluster (stream R3), one
# correlator (`hub correlate`) consuming it into PostgreSQL, all started
# here by scripts/cluster on loopback:
#  1. differential: the same replay as tests/e2e/hub-pg.sh through a SQLite
#     hub and through the cluster gives the same campaigns, warnings, feed
#     and escalations;
#  2. six retrying uploaders while a front end, the correlator and one NATS
#     node are killed with SIGKILL: every batch an uploader saw
#     acknowledged is stored exactly once and whole.
# Skips (one TAP skip line) when PostgreSQL's or NATS's binaries are missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hub-scale.bash"
need_nats

cluster_up
check "scripts/cluster up starts a 3-node NATS cluster" test -n "${MM_NATS_URLS:-}"
HS=$TMP/hs HP=$TMP/hp
setup_hub "$HS" s
setup_hub "$HP" p "$MM_PG_URI"
# two front ends: the same hub (store, tenants, certificate) in two
# directories, each with its own port file
for f in f1 f2; do
  cp -r "$HP" "$TMP/$f"
  echo "bus = $MM_NATS_URLS" >>"$TMP/$f/hub.conf"
done
CORR=
start_corr() { # start_corr [correlate args…]
  "$MAMORI" hub correlate --store "$MM_PG_URI" --bus "$MM_NATS_URLS" \
    --dir "$HP" "$@" 2>>"$TMP/correlate.log" &
  CORR=$!; PIDS+=("$CORR")
}
# until SECONDS CMD…: CMD succeeds within SECONDS

# ---- 1. differential replay ------------------------------------------------
gen_replay
start_hub "$HS"
post_replay s "$HS/hub.port"
collect "$HS" s
kill "$HUBPID"; wait "$HUBPID"

# one batch per transaction, as the SQLite hub took them one at a time
start_corr --group 1
start_hub "$TMP/f1"; F1=$HUBPID
start_hub "$TMP/f2"; F2=$HUBPID
post_replay p "$TMP/f1/hub.port" "$TMP/f2/hub.port"
nev=$(sqlite3 "$HS/hub.db" 'SELECT count(*) FROM events')
check "the correlator stores every event of the replay ($nev)" until_ok 30 events_are "$nev"
check "the front end's feed cursor follows the store (reload, 5 s)" until_ok 8 cursor_caught_up
collect "$TMP/f2" p
check_eq "same HTTP answers to every upload" "$(cat "$TMP/codess")" "$(cat "$TMP/codesp")"
compare_all "SQLite vs NATS + PostgreSQL"

# ---- 2. SIGKILL of a front end, the correlator and a NATS node ---------------
# the front ends acknowledge at JetStream's pace, far above one
# correlator's: 20 batches per uploader, each uploader its own addresses
# (no campaign writes) keep the backlog short
run_load n "$TMP/f1/hub.port,$TMP/f2/hub.port" 20 0.3 1
sleep 1.5
kill -9 "$F1"; wait "$F1" 2>/dev/null
a1=$(grep -c '^n' "$TMP/acked-n")
sleep 1
kill -9 "$CORR"; wait "$CORR" 2>/dev/null
sleep 1
kill -9 "$(cat "$CL/nats3/pid")"
a2=$(grep -c '^n' "$TMP/acked-n")
sleep 1.5
start_hub "$TMP/f1"; F1=$HUBPID
start_corr
sleep 1.5
stop_load
check_ge "uploads continued after the front end died" $((a1 + 1)) "$a2"
check_ge "uploads continued with one NATS node down" $((a2 + 1)) "$(grep -c '^n' "$TMP/acked-n")"
check "the restarted correlator stores every acknowledged batch" until_ok 40 all_acked_stored n
verify n "front end, correlator and NATS node killed"
kill "$F1" "$F2" "$CORR"
rc=""
for p in "$F1" "$F2" "$CORR"; do wait "$p"; rc+="$? "; done
check_eq "front ends and correlator stop cleanly" "0 0 0 " "$rc"
[ "$rc" = "0 0 0 " ] || tail -n 20 "$TMP/serve.log" "$TMP/correlate.log"
