#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/block.sh — blocking that really blocks (issue 14), in two network
# namespaces joined by a veth pair: an "edge" namespace runs a TCP service
# and mamori's nftables set, an "internet" namespace sends from a feed-listed
# address and from a feed-listed but allowlisted one. Needs root, ip netns
# and nftables in the kernel; otherwise every check is skipped (and says why).
set -u
. "$(dirname "$0")/lib.sh"

skip_all() { echo "ok - block e2e # SKIP $1"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
command -v ip >/dev/null || skip_all "no ip command (iproute2)"
command -v python3 >/dev/null || skip_all "no python3"
PY=$(python3 -c 'import sys; print(sys.executable)')

SFX=$$
EDGE=mm-bk-edge-$SFX
NET=mm-bk-net-$SFX
ip netns add "$EDGE" 2>/dev/null || skip_all "ip netns add failed (no CAP_SYS_ADMIN?)"
ip netns add "$NET" || { ip netns del "$EDGE"; skip_all "ip netns add failed"; }
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  # whatever still runs inside the namespaces is this test's (a python
  # shim may have forked the real interpreter)
  for ns in "$EDGE" "$NET"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  ip netns del "$EDGE" 2>/dev/null
  ip netns del "$NET" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

E() { ip netns exec "$EDGE" "$@"; }
N() { ip netns exec "$NET" "$@"; }
ip link add "bke$SFX" netns "$EDGE" type veth peer name "bkn$SFX" netns "$NET"
E ip addr add 10.214.0.1/24 dev "bke$SFX"
N ip addr add 10.214.0.2/24 dev "bkn$SFX"
N ip addr add 10.214.0.3/24 dev "bkn$SFX"
E ip link set lo up; N ip link set lo up
E ip link set "bke$SFX" up; N ip link set "bkn$SFX" up
E nft list tables >/dev/null 2>&1 || skip_all "nftables is not usable in this kernel"

ATK=10.214.0.2   # in the feed
FRIEND=10.214.0.3 # in the feed, but allowlisted
PORT=8514
SEEN=$TMP/seen.log
: >"$SEEN"
# The service: records the peer address of every connection it accepts.
E "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.214.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, a = s.accept()
    with open(sys.argv[2], "a") as f: f.write(a[0] + "\n")
    c.close()
' "$PORT" "$SEEN" &
PIDS+=($!)
# probe SRC: one TCP connection from SRC, 1 s timeout; exit 0 when accepted.
probe() {
  N "$PY" -c '
import socket, sys
s = socket.socket(); s.settimeout(1.0); s.bind((sys.argv[1], 0))
try:
    s.connect(("10.214.0.1", int(sys.argv[2]))); sys.exit(0)
except OSError:
    sys.exit(1)
' "$1" "$PORT"
}
for _ in $(seq 50); do probe "$FRIEND" && break; sleep 0.1; done
seen() { grep -c "^$1\$" "$SEEN"; }

check "service reachable from the attacker before blocking" probe "$ATK"
check "service reachable from the allowlisted address" probe "$FRIEND"

FEED=$TMP/feed.txt
RESOLV=$TMP/resolv.conf # no DNS servers to allowlist here
: >"$RESOLV"
printf '# mamori shared feed\n%s\n%s\nevil.example.com\n' "$ATK" "$FRIEND" >"$FEED"

# Dry run: nothing changes.
check "block apply --dry-run" E "$MAMORI" block apply --feed "$FEED" --dry-run --resolv "$RESOLV"
check "dry run leaves the attacker through" probe "$ATK"
check_eq "dry run adds no table" "" "$(E nft list tables | grep mamori)"

# The SME's own rules: must be the same after apply and after remove.
E nft -f - <<'NFT'
table inet sme {
  chain input { type filter hook input priority 0; policy accept; tcp dport 22 counter accept; }
}
NFT
sme_before=$(E nft list table inet sme)
check "block apply" E "$MAMORI" block apply --feed "$FEED" --allow "$FRIEND" --ttl 60 --resolv "$RESOLV"
before=$(seen "$ATK")
check_rc "attacker's connection is dropped" 1 probe "$ATK"
check_eq "the service saw nothing from the attacker" "$before" "$(seen "$ATK")"
check "allowlisted address still reaches the service" probe "$FRIEND"
js=$(E "$MAMORI" block status --json)
pk=$(printf '%s' "$js" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(e["packets"] for e in d["entries"] if e["net"]=="10.214.0.2"))')
check_ge "dropped packets counted for the attacker" 1 "$pk"
check_eq "allowlisted address is not in the set" "0" "$(printf '%s' "$js" | grep -c '10.214.0.3')"
check_eq "the SME's own table is untouched by apply" "$sme_before" "$(E nft list table inet sme)"

check "block remove" E "$MAMORI" block remove
check "attacker reaches the service after remove" probe "$ATK"
check_eq "no mamori table after remove" "" "$(E nft list tables | grep mamori)"
check_eq "the SME's own table is untouched by remove" "$sme_before" "$(E nft list table inet sme)"

# Entries expire by themselves (a sensor that dies leaves nothing forever).
check "block apply --ttl 2" E "$MAMORI" block apply --feed "$FEED" --ttl 2 --resolv "$RESOLV"
check_rc "blocked while the entry lives" 1 probe "$ATK"
sleep 3
check "attacker reaches the service after the entry expired" probe "$ATK"
E "$MAMORI" block remove >/dev/null 2>&1
