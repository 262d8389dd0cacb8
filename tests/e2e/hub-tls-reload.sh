#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/hub-tls-reload.sh — issue 12: the hub's certificate is renewed
# without a restart. Replace the files, `kill -HUP` (or POST
# /api/v1/admin/tls/reload): new connections get the new certificate; a
# broken pair (key of another certificate, a missing file, an expired
# certificate) is refused with its reason in the log and the old one stays
# on the air; TLS 1.1 stays refused; the hub stops cleanly.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub
C=$TMP/certs
mkdir -p "$C"
LOG=$TMP/serve.log

# mkcert NAME rsa|ec: a self-signed certificate for 127.0.0.1
mkcert() {
  local opt=(-newkey rsa:2048)
  [ "$2" = ec ] && opt=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
  openssl req -x509 "${opt[@]}" -nodes -days 30 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$C/$1-key.pem" \
    -out "$C/$1.pem" >/dev/null 2>&1
}
# An expired one (2020-2021): `openssl req` has no start date, `openssl ca` has.
mkexpired() {
  local d=$C/ca
  mkdir -p "$d" && : >"$d/index.txt" && echo 01 >"$d/serial"
  printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nserial=%s/serial\nnew_certs_dir=%s\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n' \
    "$d" "$d" "$d" >"$d/ca.cnf"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$C/old-key.pem" -out "$d/req.csr" >/dev/null 2>&1
  openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$C/old-key.pem" \
    -in "$d/req.csr" -startdate 20200101000000Z -enddate 20210101000000Z \
    -out "$C/old.pem" >/dev/null 2>&1
}
fp_file() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
# The certificate a new connection is served.
fp_served() {
  echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2
}
install_pair() { cp "$C/$1.pem" "$H/hub-cert.pem"; cp "$C/$2-key.pem" "$H/hub-key.pem"; }
# hup PATTERN: SIGHUP, then wait for one more log line matching PATTERN.
hup() {
  local n
  n=$(grep -c "$1" "$LOG")
  kill -HUP "$HUBPID"
  for _ in $(seq 100); do
    [ "$(grep -c "$1" "$LOG")" -gt "$n" ] && return 0
    sleep 0.1
  done
  return 1
}
line() {
  printf '{"@timestamp":"%s","event":{"id":"%s","kind":"alert","severity":"high"},"rule":{"id":"ssh.bruteforce"},"source":{"ip":"203.0.113.%s"}}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"
}
# upload CA-FILE ID: the HTTP status of an upload, the server verified
# against CA-FILE (so it must be that certificate)
upload() {
  line "$2" 7 >"$TMP/batch"
  curl -s -o /dev/null -w '%{http_code}' --cacert "$1" \
    -H "Authorization: Bearer $TA" --data-binary @"$TMP/batch" \
    "https://127.0.0.1:$PORT/api/v1/events"
}

mkcert a rsa
mkcert b ec
mkcert c ec
mkexpired
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 >/dev/null 2>&1
TA=$("$MAMORI" hub tenant add --dir "$H" --id a --name A --kind sme 2>/dev/null)
TADM=$("$MAMORI" hub token add --dir "$H" --tenant a --scope admin 2>/dev/null)
install_pair a a
"$MAMORI" hub serve --dir "$H" 2>>"$LOG" &
HUBPID=$!; PIDS+=("$HUBPID")
for _ in $(seq 150); do [ -s "$H/hub.port" ] && break; sleep 0.1; done
PORT=$(cat "$H/hub.port" 2>/dev/null)

FA=$(fp_file "$C/a.pem"); FB=$(fp_file "$C/b.pem")
check_eq "certificate A served at start" "$FA" "$(fp_served)"
check_eq "upload verified against A: 200" 200 "$(upload "$C/a.pem" a1)"

# ---- renewal: files replaced by B (another key type), SIGHUP
install_pair b b
check "SIGHUP: the log says reloaded" hup "reloaded"
check_eq "certificate B served to new connections" "$FB" "$(fp_served)"
check "the log names B's fingerprint" grep -q "certificate reloaded.*SHA-256 $FB" "$LOG"
check_eq "upload verified against B: 200" 200 "$(upload "$C/b.pem" b1)"
check_eq "A no longer served: verification against A fails" 000 "$(upload "$C/a.pem" b2)"

# ---- broken pairs: refused with the reason, B stays
install_pair a c
check "key of another certificate: refused" hup "reload refused"
check "… the log says the key does not match" bash -c "grep 'reload refused' '$LOG' | tail -1 | grep -q 'does not match the certificate'"
check_eq "… B still served" "$FB" "$(fp_served)"
rm -f "$H/hub-key.pem"
check "missing key file: refused" hup "reload refused"
check "… the log says the file cannot be read" bash -c "grep 'reload refused' '$LOG' | tail -1 | grep -q '開けません / cannot open: No such file'"
check_eq "… B still served" "$FB" "$(fp_served)"
install_pair old old
check "expired certificate: refused" hup "reload refused"
check "… the log says it expired" bash -c "grep 'reload refused' '$LOG' | tail -1 | grep -q 'expired on 2021-01-01'"
check_eq "… B still served" "$FB" "$(fp_served)"
check_eq "upload after the refusals, verified against B: 200" 200 "$(upload "$C/b.pem" b3)"
check "refusals logged Japanese first" bash -c "grep -q '^mamori hub: 証明書の再読み込みを拒否、前の証明書を使い続けます / certificate reload refused' '$LOG'"

# ---- the admin API does the same
install_pair a a
api() { curl -s -o "$TMP/api" -w '%{http_code}' --cacert "$C/b.pem" -X POST -H "Authorization: Bearer $1" "https://127.0.0.1:$PORT/api/v1/admin/tls/reload"; }
check_eq "admin API reload with an SME token: 403" 403 "$(api "$TA")"
check_eq "… B still served" "$FB" "$(fp_served)"
check_eq "admin API reload with an admin token: 200" 200 "$(api "$TADM")"
check "… its answer names A's fingerprint" grep -q "$FA" "$TMP/api"
check_eq "… A served again" "$FA" "$(fp_served)"
install_pair b c
code=$(curl -s -o "$TMP/api" -w '%{http_code}' --cacert "$C/a.pem" -X POST -H "Authorization: Bearer $TADM" "https://127.0.0.1:$PORT/api/v1/admin/tls/reload")
check_eq "admin API with a broken pair: 422" 422 "$code"
check "… with the reason" grep -q "does not match" "$TMP/api"
check_eq "… A still served" "$FA" "$(fp_served)"

# ---- reloads while handshakes run: every request completes, with A or B
hs_loop() {
  for _ in $(seq 30); do
    curl -sk -o /dev/null -w '%{http_code}\n' "https://127.0.0.1:$PORT/api/v1/health"
  done >"$1"
}
hs_loop "$TMP/hs1" & L1=$!
hs_loop "$TMP/hs2" & L2=$!
swaps=0
for i in 1 2 3 4 5 6; do
  if [ $((i % 2)) = 1 ]; then install_pair b b; else install_pair a a; fi
  hup "reloaded" && swaps=$((swaps + 1))
done
wait "$L1" "$L2"
check_eq "6 reloads during 60 handshakes: all reloaded" 6 "$swaps"
check_eq "… every request answered 200" "60 60" "$(cat "$TMP/hs1" "$TMP/hs2" | wc -l) $(grep -c '^200$' <(cat "$TMP/hs1" "$TMP/hs2"))"
check_eq "… A served after the last" "$FA" "$(fp_served)"

# ---- protocol versions unchanged by the callback
check "TLS 1.1 handshake refused" bash -c "! echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' 2>&1 | grep -q 'Cipher is [A-Z]'"
check "TLS 1.2 handshake accepted" bash -c "echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_2 2>&1 | grep -q 'Protocol *: TLSv1.2'"
check "TLS 1.3 handshake accepted" bash -c "echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_3 2>&1 | grep -q 'TLSv1.3'"

# ---- a start with a broken pair is refused (the hub is not on the air yet)
H2=$TMP/hub2
"$MAMORI" hub init --dir "$H2" --listen 127.0.0.1:0 >/dev/null 2>&1
cp "$C/old.pem" "$H2/hub-cert.pem"; cp "$C/old-key.pem" "$H2/hub-key.pem"
rc=0; timeout 20 "$MAMORI" hub serve --dir "$H2" 2>"$TMP/serve2.log" || rc=$?
check "start with an expired certificate fails" test "$rc" != 0 -a "$rc" != 124
check "… saying it expired" grep -q "expired on 2021-01-01" "$TMP/serve2.log"

# ---- a plain-HTTP hub (loopback) takes SIGHUP too: logs it, keeps serving
H3=$TMP/hub3
"$MAMORI" hub init --dir "$H3" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
"$MAMORI" hub serve --dir "$H3" 2>"$TMP/serve3.log" &
P3=$!; PIDS+=("$P3")
for _ in $(seq 150); do [ -s "$H3/hub.port" ] && break; sleep 0.1; done
LOG=$TMP/serve3.log HUBPID=$P3 hup "without TLS"
check "plain hub: SIGHUP logged as nothing to reload" grep -q "reload refused.*this hub runs without TLS" "$TMP/serve3.log"
check_eq "plain hub: still serving after SIGHUP" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$H3/hub.port")/api/v1/health")"
kill "$P3"; wait "$P3"; rc=$?
check_eq "plain hub stops cleanly" 0 "$rc"

# ---- a clean stop: retired pairs freed (no sanitizer report)
kill "$HUBPID"; wait "$HUBPID"; rc=$?
check_eq "the hub stops cleanly after the reloads" 0 "$rc"
check "no sanitizer report" bash -c "! grep -q 'Sanitizer' '$LOG'"
[ "$rc" = 0 ] || tail -30 "$LOG"
