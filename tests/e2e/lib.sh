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
