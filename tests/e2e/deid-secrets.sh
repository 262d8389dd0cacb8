#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/e2e/deid-secrets.sh — issue 12 §5: in http_request mode URL paths,
# queries, referrers and user agents reached the hub unchanged (user names,
# internal host names, fd00::/8 addresses). Replays web access lines with
# planted secrets through the real sensor and hub, then greps the hub's
# store files (database and WAL) for every planted secret: none may be
# there, while the attackers' public addresses are.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT

H=$TMP/hub; S=$TMP/sme; mkdir -p "$S"
"$MAMORI" hub init --dir "$H" --listen 127.0.0.1:0 --plain >/dev/null 2>&1
TOKEN=$("$MAMORI" hub tenant add --dir "$H" --id sme1 --name S --kind sme 2>/dev/null)
hub_serve "$H" --plain

# planted secrets: employees' user names, internal host names, the SME's
# own and internal domains, private IPv4, IPv6 ULA and link-local
SECRETS=(tanaka.hiroshi suzuki-k fileserver01 nas-keiri example-sme.co.jp
  corp.local intranet.lan 192.168.77.12 10.9.8.7 172.20.1.5
  fd12:3456:789a::10 fe80::1ff:fe23 s3cr3t-pass)
D='[07/Dec/2026:01:02:03 +0000]'
cat >"$S/access.log" <<LOG
45.33.32.156 - tanaka.hiroshi $D "GET /home/tanaka.hiroshi/backup/fileserver01.tar HTTP/1.1" 200 512 "http://fileserver01/share/keiri" "Mozilla/5.0 (Windows NT 10.0) SyncAgent/2.1"
45.33.32.157 - - $D "GET /wp-login.php?user=suzuki-k&pw=s3cr3t-pass HTTP/1.1" 404 10 "https://intranet.lan/?next=http://192.168.77.12/" "curl/8.0 (nas-keiri.corp.local)"
45.33.32.158 - suzuki-k $D "POST /api/[fd12:3456:789a::10]/sync?host=nas-keiri.example-sme.co.jp HTTP/1.1" 500 0 "http://[fe80::1ff:fe23]:8080/x" "Agent/1 (10.9.8.7; 172.20.1.5)"
45.33.32.159 - - $D "GET /proxy/portal.example-sme.co.jp/fd12:3456:789a::10/admin HTTP/1.1" 403 5 "-" "Mozilla/5.0 suzuki-k@example-sme.co.jp"
LOG
cat >"$S/sensor.conf" <<CONF
[sensor]
state_dir = $S/state
state_interval = 1
status_interval = 1
rescan_ms = 100

[input web]
path = $S/access.log
type = web-access

[uplink]
hub_url = $URL
token = $TOKEN
tenant = sme1
spool_dir = $S/spool
tenant_secret = e2e-tenant-secret-0123456789
own_domains = example-sme.co.jp
send_events = http_request
feed = false
batch_max = 10
CONF
"$MAMORI" sensor --config "$S/sensor.conf" 2>"$S/err" &
SPID=$!; PIDS+=("$SPID")
n() { sqlite3 "$H/hub.db" "SELECT count(*) FROM events WHERE tenant='sme1' AND kind='event'" 2>/dev/null; }
for _ in $(seq 150); do [ "$(n)" = 4 ] && break; sleep 0.1; done
check_eq "all four planted requests reached the hub" 4 "$(n)"
kill "$SPID"; wait "$SPID" 2>/dev/null
# the store as files: database, WAL (before any checkpoint), shm
leaks=0
for s in "${SECRETS[@]}"; do
  if cat "$H"/hub.db* | grep -aqiF -- "$s"; then leaks=$((leaks + 1)); echo "# leaked: $s"; fi
done
check_eq "no planted secret in the hub's store files (db + WAL)" 0 "$leaks"
check "the store files were read (WAL present or db non-empty)" test -s "$H/hub.db"
check "the attackers' public addresses are kept" bash -c "cat '$H'/hub.db* | grep -aqF 45.33.32.158"
check "the attack path shape is kept (/wp-login.php)" bash -c "cat '$H'/hub.db* | grep -aqF /wp-login.php"
# the pseudonym of a user never stands next to the same name in clear
UH=$(sqlite3 "$H/hub.db" "SELECT json_extract(json,'$.user.name') FROM events WHERE json_extract(json,'$.user.name') IS NOT NULL LIMIT 1")
check "user.name is a pseudonym" bash -c "[[ '$UH' == h:* ]]"
check "no row holds a user's pseudonym next to the name in clear" bash -c "! sqlite3 '$H/hub.db' 'SELECT json FROM events' | grep -i 'tanaka\|suzuki'"
sqlite3 "$H/hub.db" "SELECT json FROM events" >"${DUMP:-/dev/null}"
kill "$HUBPID"; wait "$HUBPID" 2>/dev/null
