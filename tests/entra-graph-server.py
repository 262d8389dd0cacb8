#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/entra-graph-server.py — a local stand-in for the Microsoft identity
platform token endpoint and Microsoft Graph /auditLogs/signIns, replaying
recorded sign-in objects (NDJSON files) for the sensor's Entra puller
(tests/e2e/entra-pull.sh). Behaves like Graph where the puller depends on
it: client-credentials token (form POST), Bearer check (401), $filter
"createdDateTime ge X", newest first, $top paging with an absolute
@odata.nextLink, and one 429 with Retry-After before the first page.

usage: entra-graph-server.py --port-file F --log F [--evil-next] DATA.ndjson [EXTRA.ndjson]
EXTRA is re-read on every request (tests append to it). Prints nothing;
writes the bound port to --port-file and one line per request to --log.
"""
import argparse, json, re, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "tok-" + "0123456789abcdef" * 4
ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--client-id", default="test-app")
ap.add_argument("--secret", default="s3cret-value")
ap.add_argument("--evil-next", action="store_true",
                help="point @odata.nextLink at another origin (must not be followed)")
ap.add_argument("files", nargs="+")
args = ap.parse_args()
state = {"throttled": False}


def records():
    out = []
    for f in args.files:
        try:
            for line in open(f):
                line = line.strip()
                if line:
                    o = json.loads(line)
                    if "createdDateTime" in o and "id" in o:
                        out.append(o)
        except FileNotFoundError:
            pass
    out.sort(key=lambda o: o["createdDateTime"], reverse=True)
    return out


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def note(self, code):
        with open(args.log, "a") as f:
            f.write("%s %s %d %s\n" % (self.command, self.path, code,
                                       "bearer" if self.headers.get("Authorization") == "Bearer " + TOKEN else "-"))

    def send(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.note(code)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        ok = (self.path.endswith("/oauth2/v2.0/token")
              and form.get("grant_type") == ["client_credentials"]
              and form.get("client_id") == [args.client_id]
              and form.get("client_secret") == [args.secret]
              and form.get("scope") == ["https://graph.microsoft.com/.default"])
        if not ok:
            return self.send(401, {"error": "invalid_client",
                                   "error_description": "AADSTS7000215: Invalid client secret provided."})
        self.send(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                        "access_token": TOKEN})

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path != "/v1.0/auditLogs/signIns":
            return self.send(404, {"error": {"code": "ResourceNotFound"}})
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.send(401, {"error": {"code": "InvalidAuthenticationToken"}})
        if not state["throttled"]:
            state["throttled"] = True
            return self.send(429, {"error": {"code": "TooManyRequests"}}, [("Retry-After", "1")])
        q = urllib.parse.parse_qs(u.query)
        m = re.fullmatch(r"createdDateTime ge (\S+)", q.get("$filter", [""])[0])
        if not m:
            return self.send(400, {"error": {"code": "BadRequest", "message": "need $filter"}})
        top = int(q.get("$top", ["100"])[0])
        skip = int(q.get("$skiptoken", ["0"])[0])
        recs = [o for o in records() if o["createdDateTime"] >= m.group(1)]
        page = recs[skip:skip + top]
        body = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
                "value": page}
        if skip + top < len(recs):
            nq = urllib.parse.urlencode({"$filter": q["$filter"][0], "$top": top, "$skiptoken": skip + top})
            host = "127.0.0.2" if args.evil_next else "127.0.0.1"
            body["@odata.nextLink"] = "http://%s:%d/v1.0/auditLogs/signIns?%s" % (
                host, self.server.server_address[1], nq)
        self.send(200, body)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
