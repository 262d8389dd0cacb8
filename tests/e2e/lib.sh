# SPDX-License-Identifier: Apache-2.0
# tests/e2e/lib.sh — TAP helpers for end-to-end tests; source it.
# Each check prints "ok - name" or "not ok - name"; scripts/test counts them.
: "${MAMORI:?MAMORI must point at the mamori binary}"
: "${SRCDIR:?SRCDIR must point at the repository}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mamori-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok()   { echo "ok - $1"; }
fail() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "# $2"; return 0; }
# check NAME CMD...: passes when CMD exits 0.
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else fail "$n"; fi; }
# check_eq NAME EXPECTED ACTUAL
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected '$2', got '$3'"; fi; }
# check_ge NAME MIN ACTUAL
check_ge() { if [ "$3" -ge "$2" ] 2>/dev/null; then ok "$1"; else fail "$1" "expected >= $2, got '$3'"; fi; }
# check_rc NAME EXPECTED_RC CMD...: passes when CMD exits with EXPECTED_RC.
check_rc() { local n=$1 want=$2; shift 2; local rc=0; "$@" >/dev/null 2>&1 || rc=$?
             if [ "$rc" = "$want" ]; then ok "$n"; else fail "$n" "exit $rc, wanted $want"; fi; }

# Background processes a test starts; the test's EXIT trap kills them.
PIDS=()
# hub_serve DIR [serve options...]: starts `mamori hub serve` on DIR in the
# background (stderr appended to $TMP/serve.log), waits up to 10 s for the
# port it writes, sets HUBPID (also added to PIDS) and URL (http://…).
hub_serve() {
  local dir=$1; shift
  rm -f "$dir/hub.port"
  "$MAMORI" hub serve --dir "$dir" "$@" 2>>"$TMP/serve.log" &
  HUBPID=$!; PIDS+=("$HUBPID")
  for _ in $(seq 100); do [ -s "$dir/hub.port" ] && break; sleep 0.1; done
  URL="http://127.0.0.1:$(cat "$dir/hub.port" 2>/dev/null)"
}
# free_port: a TCP port that is free on 127.0.0.1 now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
