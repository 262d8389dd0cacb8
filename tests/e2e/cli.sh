#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CLI conventions (docs/cli.md): help, --version, per-command --help,
# unknown command/option → usage on stderr and exit 2.
. "$(dirname "$0")/lib.sh"

out=$("$MAMORI" --version); check_eq "--version prints the version" "mamori" "${out%% *}"
check_rc "help exits 0" 0 "$MAMORI" help
"$MAMORI" help | grep -q "scan" && ok "help lists scan" || fail "help lists scan"
for c in scan logtest; do
  check_rc "$c --help exits 0" 0 "$MAMORI" "$c" --help
  "$MAMORI" "$c" --help | grep -q "usage: mamori $c" && ok "$c --help shows its usage" || fail "$c --help shows its usage"
done
check_rc "no command exits 2" 2 "$MAMORI"
check_rc "unknown command exits 2" 2 "$MAMORI" frobnicate
err=$("$MAMORI" frobnicate 2>&1 >/dev/null)
grep -q "unknown command 'frobnicate'" <<<"$err" && ok "unknown command named on stderr" || fail "unknown command named on stderr" "$err"
check_rc "unknown option exits 2" 2 "$MAMORI" scan --bogus x
err=$("$MAMORI" scan --bogus x 2>&1 >/dev/null)
grep -q "unknown option '--bogus'" <<<"$err" && ok "unknown option named on stderr" || fail "unknown option named on stderr" "$err"
check_rc "bad --type exits 2" 2 "$MAMORI" scan --type nosuch "$SRCDIR/data/samples/loghub-OpenSSH_2k.log"
check_rc "missing file exits 1" 1 "$MAMORI" scan "$TMP/does-not-exist.log"
err=$("$MAMORI" scan "$TMP/does-not-exist.log" 2>&1 >/dev/null)
grep -q "does-not-exist.log: No such file" <<<"$err" && ok "missing file named on stderr" || fail "missing file named on stderr" "$err"

# A bad rule file stops scan with file:line and exit 2.
mkdir -p "$TMP/rules"
printf 'rule broken.rule\n  kind threshold\n  bogus_keyword 5\n' >"$TMP/rules/bad.rules"
err=$("$MAMORI" scan --rules "$TMP/rules" "$SRCDIR/data/samples/loghub-OpenSSH_2k.log" 2>&1 >/dev/null); rc=$?
check_eq "bad rule file exits 2" 2 "$rc"
grep -q "bad.rules:3" <<<"$err" && ok "bad rule file named with its line" || fail "bad rule file named with its line" "$err"
printf '10.0.0.1\nnot an indicator !!\n' >"$TMP/bad-ioc.txt"
err=$("$MAMORI" scan --ioc "$TMP/bad-ioc.txt" /dev/null 2>&1 >/dev/null); rc=$?
check_eq "bad indicator file exits 2" 2 "$rc"
grep -q "bad-ioc.txt:2" <<<"$err" && ok "bad indicator file named with its line" || fail "bad indicator file named with its line" "$err"
