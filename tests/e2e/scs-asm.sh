#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/scs-asm.sh — the outside-in self-check (ASM) against services on
# loopback addresses pretending to be an SME's assets: 127.0.0.2 (a web
# server whose banner is a known-exploited Apache version, with an admin
# page, and an RDP-like port open), 127.0.0.4 (HTTPS with an expired
# certificate, TLS 1.2 and newer only), 127.0.0.5 (HTTPS that still accepts
# TLS 1.0) — and 127.0.0.3, never verified, which is refused. Then the DNS
# TXT proof (tenant kato) against a minimal DNS responder on loopback.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
export MAMORI_SCS_CATALOGUE=$SRCDIR/data/scs/catalogue.txt
H=$TMP/hub
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
"$MAMORI" hub tenant add --dir "$H" --id sato --name "佐藤精機" --kind sme >/dev/null 2>&1

# an expired certificate: a test CA signs one valid 2024-01-01 .. 2025-01-01
C=$TMP/ca; mkdir -p "$C"; touch "$C/index.txt"; echo 01 >"$C/serial"
cat >"$C/ca.cnf" <<CNF
[ca]
default_ca=d
[d]
dir=$C
database=$C/index.txt
serial=$C/serial
new_certs_dir=$C
default_md=sha256
policy=p
[p]
commonName=supplied
CNF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 30 -subj /CN=test-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/srv.key" -out "$C/srv.csr" -subj /CN=127.0.0.4 2>/dev/null
openssl ca -batch -config "$C/ca.cnf" -cert "$C/ca.pem" -keyfile "$C/ca.key" -in "$C/srv.csr" -out "$C/srv.pem" \
  -startdate 20240101000000Z -enddate 20250101000000Z >/dev/null 2>&1
check_eq "the test certificate expired on 2025-01-01" "notAfter=Jan  1 00:00:00 2025 GMT" "$(openssl x509 -in "$C/srv.pem" -noout -enddate)"

# a valid certificate for 127.0.0.5
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ok.key" -out "$C/ok.pem" -days 60 -subj /CN=127.0.0.5 2>/dev/null

# serve ADDR ROOT [CERT KEY [old]] -> prints the port; "old": TLS 1.0 and up; Server: Apache/2.4.49, /admin/ answers 200
serve() {
  python3 -W ignore::DeprecationWarning - "$@" <<'PY' &
import http.server, socketserver, ssl, sys, os
addr, root = sys.argv[1], sys.argv[2]
class H(http.server.SimpleHTTPRequestHandler):
    server_version = "Apache/2.4.49"; sys_version = ""
    def __init__(s, *a, **k): super().__init__(*a, directory=root, **k)
    def log_message(s, *a): pass
socketserver.TCPServer.allow_reuse_address = True
srv = http.server.ThreadingHTTPServer((addr, 0), H)
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    if len(sys.argv) > 5:
        ctx.minimum_version = ssl.TLSVersion.TLSv1; ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(os.path.join(root, "..", "port-" + addr), "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
  PIDS+=("$!")
}
for a in 2 3 4 5; do mkdir -p "$TMP/www$a/.well-known" "$TMP/www$a/admin"; echo admin >"$TMP/www$a/admin/index.html"; done
serve 127.0.0.2 "$TMP/www2"
serve 127.0.0.3 "$TMP/www3"
serve 127.0.0.4 "$TMP/www4" "$C/srv.pem" "$C/srv.key"
serve 127.0.0.5 "$TMP/www5" "$C/ok.pem" "$C/ok.key" old
# an RDP-like service: accepts, says nothing
python3 -c '
import socket, sys, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.2", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); c.close()
' "$TMP/port-rdp" &
RDP_PID=$!
PIDS+=("$!")
for _ in $(seq 100); do [ -s "$TMP/port-127.0.0.2" ] && [ -s "$TMP/port-127.0.0.3" ] && [ -s "$TMP/port-127.0.0.4" ] && [ -s "$TMP/port-127.0.0.5" ] && [ -s "$TMP/port-rdp" ] && break; sleep 0.1; done
P2=$(cat "$TMP/port-127.0.0.2"); P3=$(cat "$TMP/port-127.0.0.3"); P4=$(cat "$TMP/port-127.0.0.4"); P5=$(cat "$TMP/port-127.0.0.5"); PR=$(cat "$TMP/port-rdp")

asm() { "$MAMORI" hub asm "$@" --dir "$H" --tenant sato; }
for a in "127.0.0.2:$P2" "127.0.0.3:$P3" "127.0.0.4:$P4" "127.0.0.5:$P5"; do
  asm add --asset "$a" 2>/dev/null | head -1 >"$TMP/tok-${a%%:*}"
done
check "add: a token to publish" grep -qE '^mamori-verify=[0-9a-f]{32}$' "$TMP/tok-127.0.0.2"
check_rc "verify before the file is published: refused (exit 1)" 1 asm verify --asset "127.0.0.2:$P2"
cp "$TMP/tok-127.0.0.2" "$TMP/www2/.well-known/mamori-verify.txt"
cp "$TMP/tok-127.0.0.4" "$TMP/www4/.well-known/mamori-verify.txt"
cp "$TMP/tok-127.0.0.5" "$TMP/www5/.well-known/mamori-verify.txt"
echo "mamori-verify=0000" >"$TMP/www3/.well-known/mamori-verify.txt"   # a wrong token
check "verify 127.0.0.2 (file on its web server)" asm verify --asset "127.0.0.2:$P2"
check "verify 127.0.0.4 (over HTTPS)" asm verify --asset "127.0.0.4:$P4"
check "verify 127.0.0.5 (over HTTPS)" asm verify --asset "127.0.0.5:$P5"
check_rc "verify 127.0.0.3 with a wrong token: refused" 1 asm verify --asset "127.0.0.3:$P3"

asm check --ports "$PR=rdp" --rate 50 >"$TMP/report.json" 2>"$TMP/check.err"
check_eq "check: exit 0" 0 "$?"
f() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); a=[x for x in d['assets'] if x['asset'].startswith(sys.argv[2])][0]; print(' '.join(sorted({f['kind'] for f in a['findings']})) or a.get('refused',''))" "$TMP/report.json" "$1"; }
check_eq "127.0.0.2: RDP-like port open, KEV banner, admin page" "admin_page kev open_port" "$(f 127.0.0.2)"
check "the KEV finding names the CVE and the banner" grep -q 'CVE-2021-41773: Apache httpd 2.4.49' "$TMP/report.json"
check "the open port names the address and service" grep -q "127.0.0.2:$PR (rdp)" "$TMP/report.json"
check_eq "127.0.0.4: the expired certificate (TLS 1.2+ only: no weak-protocol finding)" "admin_page kev tls_expired" "$(f 127.0.0.4)"
check_eq "127.0.0.5: TLS 1.0 and 1.1 accepted (and the usual web findings)" "admin_page kev tls_weak" "$(f 127.0.0.5)"
check "the weak-protocol finding names host:port and the version" grep -q "127.0.0.5:$P5 accepts TLS 1.0" "$TMP/report.json"
check "… and TLS 1.1" grep -q "127.0.0.5:$P5 accepts TLS 1.1" "$TMP/report.json"
check "the weak-protocol advice is Japanese first" grep -q '"ja": "古い暗号化方式' "$TMP/report.json"
check "127.0.0.3 (not verified): refused, nothing probed" grep -q "not probed: ownership not proven" "$TMP/report.json"
check_eq "127.0.0.3: no findings" "0" "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len([x for x in d['assets'] if x['asset'].startswith('127.0.0.3')][0]['findings']))" "$TMP/report.json")"
check "the result is kept in the hub directory" test -s "$H/asm-sato.json"
check_rc "an asset that is not a name or address: exit 2" 2 asm add --asset 'http://x/;rm'

# ---- the DNS TXT proof: _mamori.<domain> "mamori-verify=<token>", asked of a
# resolver on loopback (hub.conf asm_dns) — a minimal UDP DNS responder that
# answers TXT queries from the file $TMP/zone ("NAME<TAB>TEXT" lines)
: >"$TMP/zone"
python3 - "$TMP/zone" "$TMP/port-dns" <<'PY' &
import socket, struct, sys
zone, portf = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
open(portf, "w").write(str(s.getsockname()[1]))
while True:
    q, peer = s.recvfrom(4096)
    qid, _, qd = struct.unpack(">HHH", q[:6])
    o, labels = 12, []
    while q[o]:
        labels.append(q[o + 1:o + 1 + q[o]].decode()); o += 1 + q[o]
    qtype = struct.unpack(">H", q[o + 1:o + 3])[0]; qend = o + 5
    name = ".".join(labels).lower()
    recs = [l.rstrip("\n").split("\t", 1)[1] for l in open(zone) if l.split("\t", 1)[0] == name]
    ans = b""
    for r in recs if qtype == 16 else []:
        t = r.encode(); rd = bytes([len(t)]) + t
        ans += b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(rd)) + rd
    n = ans.count(b"\xc0\x0c")
    flags = 0x8180 if recs or any(l.startswith(name + "\t") for l in open(zone)) else 0x8183
    s.sendto(struct.pack(">HHHHHH", qid, flags, 1, n, 0, 0) + q[12:qend] + ans, peer)
PY
PIDS+=("$!")
for _ in $(seq 100); do [ -s "$TMP/port-dns" ] && break; sleep 0.1; done
PD=$(cat "$TMP/port-dns")
echo "asm_dns = 127.0.0.1:$PD" >>"$H/hub.conf"
"$MAMORI" hub tenant add --dir "$H" --id kato --name "加藤商店" --kind sme >/dev/null 2>&1
asmk() { "$MAMORI" hub asm "$@" --dir "$H" --tenant kato; }
asmk add --asset shop.kato.test 2>"$TMP/add-shop.err" >"$TMP/add-shop.out"
asmk add --asset other.kato.test 2>/dev/null | head -1 >"$TMP/tok-other"
TS=$(head -1 "$TMP/add-shop.out"); TO=$(cat "$TMP/tok-other")
check "add: how to publish the TXT record is explained" grep -q "_mamori" "$TMP/add-shop.err"
check_rc "verify shop.kato.test before the TXT record exists: refused (exit 1)" 1 asmk verify --asset shop.kato.test
asmk verify --asset shop.kato.test 2>"$TMP/verify.err" >/dev/null
check "the refusal says what was looked for (TXT on _mamori.DOMAIN), Japanese first" \
  grep -q '所有の確認ができません.*TXT.*_mamori.*ownership not proven' "$TMP/verify.err"
printf 'shop.kato.test\t%s\n' "$TS" >>"$TMP/zone"          # on the domain itself: not the place
printf '_mamori.shop.kato.test\tv=spf1 -all\n' >>"$TMP/zone"
check_rc "a TXT record on the bare domain does not count" 1 asmk verify --asset shop.kato.test
printf '_mamori.shop.kato.test\t%s\n' "$TS" >>"$TMP/zone"
check "verify shop.kato.test by the TXT record on _mamori.shop.kato.test" asmk verify --asset shop.kato.test
check "the proof method is recorded (dns txt)" grep -q '"method": "dns txt"' "$H/asm-kato.json"
printf '_mamori.other.kato.test\t%s\n' "$TS" >>"$TMP/zone"   # another asset's token
check_rc "other.kato.test with another asset's token: refused" 1 asmk verify --asset other.kato.test
check_rc "an IP asset is not proven by DNS (no such file either): refused" 1 asm verify --asset "127.0.0.3:$P3"
asmk check --ports "$PR=rdp" --rate 50 >"$TMP/report-k.json" 2>/dev/null
check_eq "check: shop.kato.test probed, other.kato.test refused" "probed refused" \
  "$(python3 -c "import json,sys; d={x['asset']:x for x in json.load(open(sys.argv[1]))['assets']}; print(*['refused' if 'refused' in d[a] else 'probed' for a in ('shop.kato.test','other.kato.test')])" "$TMP/report-k.json")"
sed -i "s/^asm_dns = .*/asm_dns = localhost:53/" "$H/hub.conf"
check_rc "asm_dns that is not A.B.C.D:PORT: refused" 1 asmk verify --asset shop.kato.test
sed -i "s/^asm_dns = .*/asm_dns = 127.0.0.1:$PD/" "$H/hub.conf"

# ---- the self-check feeds the hub's evidence (tenant sato): exposure found →
# not met with host:port named; the port closed, admin pages gone, check
# re-run → met
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
ev() { "$MAMORI" hub evidence --dir "$H" --tenant sato -o "$1"; }
check "hub evidence after the self-check" ev "$TMP/ev1.json"
check_eq "evidence: asm_exposure / asm_vulnerable / asm_tls not ok" "False False False" \
  "$(jget "$TMP/ev1.json" "' '.join(str(d['checks'][k]['ok']) for k in ('asm_exposure','asm_vulnerable','asm_tls'))")"
CHECKED=$(jget "$H/asm-sato.json" "d['last_check']['checked_at']")
check_eq "asm_exposure: source is the self-check and the open host:port" "self-check $CHECKED 127.0.0.2:$PR" \
  "$(jget "$TMP/ev1.json" "d['checks']['asm_exposure']['source']")"
check_eq "asm_exposure: time (the check's, to the second) and freshness (not stale)" "${CHECKED%.*} False" \
  "$(jget "$TMP/ev1.json" "d['checks']['asm_exposure']['last_seen'][:19]+' '+str(d['checks']['asm_exposure']['stale'])")"
check "asm_exposure lines: the open port and the admin page" \
  python3 -c "import json,sys; l=json.load(open(sys.argv[1]))['checks']['asm_exposure']['lines']; sys.exit(not (any('127.0.0.2:$PR (rdp)' in x for x in l) and any('/admin/' in x for x in l)))" "$TMP/ev1.json"
check "asm_vulnerable names the CVE, asm_tls the weak protocol and the expired certificate" \
  python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['checks']; sys.exit(not ('CVE-2021-41773' in ' '.join(c['asm_vulnerable']['lines']) and 'accepts TLS 1.0' in ' '.join(c['asm_tls']['lines']) and 'tls_expired' in ' '.join(c['asm_tls']['lines'])))" "$TMP/ev1.json"
check "asm_exposure detail is Japanese first" grep -q '"detail_ja": "外部からの自己点検で、インターネットに向けてはいけない' "$TMP/ev1.json"
TODAY=$(date -u +%Y-%m-%d)
printf '{"organisation": {"name": "佐藤精機", "onsite_responder": false}, "target": "★3", "assessed_at": "%s",\n "answers": {"4-5-1": "%s", "4-4-1": "%s"}}\n' "$TODAY" yes yes >"$TMP/answers.json"
printf '{"organisation": {"name": "佐藤精機", "onsite_responder": false}, "target": "★3", "assessed_at": "%s",\n "answers": {"4-5-1": "%s", "4-4-1": "%s"}}\n' "$TODAY" unknown unknown >"$TMP/answers-u.json"
st() { jget "$1" "' '.join(i['status'] for i in d['items'] if (i['id'], i['level']) in [('4-5-1',3),('4-4-1',3)])"; }
"$MAMORI" scs assess --answers "$TMP/answers.json" --evidence "$TMP/ev1.json" --format json --out "$TMP/a1.json" 2>/dev/null
check_eq "scs assess: 4-4-1 and 4-5-1 answered yes are contradicted (not met)" "contradicted contradicted" "$(st "$TMP/a1.json")"
check "the contradiction of 4-5-1 names the self-check and host:port" \
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); f=[f for i in d['items'] if i['id']=='4-5-1' for f in i['findings']]; sys.exit(not any('self-check $CHECKED 127.0.0.2:$PR' in x['reason_ja'] for x in f))" "$TMP/a1.json"
# the fixes: the RDP-like port closed, the admin pages removed; check again
kill "$RDP_PID" 2>/dev/null; wait "$RDP_PID" 2>/dev/null
rm -rf "$TMP/www2/admin" "$TMP/www4/admin" "$TMP/www5/admin"
sleep 1.1   # the evidence keeps whole seconds: the second check gets a later one
asm check --ports "$PR=rdp" --rate 50 >"$TMP/report.json" 2>/dev/null
check_eq "check again: 127.0.0.2 has only the KEV banner left" "kev" "$(f 127.0.0.2)"
check "hub evidence after the second check" ev "$TMP/ev2.json"
CHECKED2=$(jget "$H/asm-sato.json" "d['last_check']['checked_at']")
check_eq "after the fixes: asm_exposure ok (the later check), the others still not" "True ${CHECKED2%.*} False False" \
  "$(jget "$TMP/ev2.json" "' '.join([str(d['checks']['asm_exposure']['ok']), d['checks']['asm_exposure']['last_seen'][:19]] + [str(d['checks'][k]['ok']) for k in ('asm_vulnerable','asm_tls')])")"
check_eq "asm_exposure ok: the source names the check" "self-check $CHECKED2 (3 assets)" \
  "$(jget "$TMP/ev2.json" "d['checks']['asm_exposure']['source']")"
"$MAMORI" scs assess --answers "$TMP/answers.json" --evidence "$TMP/ev2.json" --format json --out "$TMP/a2.json" 2>/dev/null
check_eq "scs assess after the fixes: 4-5-1 met, 4-4-1 still contradicted" "met contradicted" "$(st "$TMP/a2.json")"
"$MAMORI" scs assess --answers "$TMP/answers-u.json" --evidence "$TMP/ev2.json" --format json --out "$TMP/a3.json" 2>/dev/null
check_eq "not answered: 4-5-1 met by the evidence, 4-4-1 not met" "met_by_evidence unknown" "$(st "$TMP/a3.json")"
# a replay as of a day before the self-check: the check is not yet known
"$MAMORI" hub evidence --dir "$H" --tenant sato --now "$(date -u -d yesterday +%Y-%m-%dT%H:%M:%SZ)" -o "$TMP/ev0.json" 2>/dev/null
check_eq "evidence as of before the check: no asm_* checks" "0" \
  "$(jget "$TMP/ev0.json" "len([k for k in d.get('checks', {}) if k.startswith('asm_')])")"
