# SPDX-License-Identifier: Apache-2.0
# tests/e2e/smtp_tls_sink.py — an SMTP server on loopback (python3-aiosmtpd)
# that insists on STARTTLS and AUTH, like a provider's submission port:
#   python3 smtp_tls_sink.py PORT DIR CERT KEY USER PASSWORD
# Each accepted message goes to DIR/NNNNNN.eml with X-Test-TLS (the cipher)
# and X-Test-Auth (the login) in front, so the test can see both were used.
import asyncio, os, signal, ssl, sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, out, cert, key, user, password = sys.argv[1:7]
os.makedirs(out, exist_ok=True)


class Sink:
    n = 0

    async def handle_DATA(self, server, session, envelope):
        Sink.n += 1
        name = os.path.join(out, "%06d.eml" % Sink.n)
        tls = session.ssl.get("cipher", ("none",))[0] if session.ssl else "none"
        ad = session.auth_data
        login = ad.login.decode() if ad is not None and hasattr(ad, "login") else "none"
        with open(name + ".tmp", "wb") as f:
            f.write(("X-Test-TLS: %s\r\nX-Test-Auth: %s\r\n" % (tls, login)).encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, auth_data=auth_data)


ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
c = Controller(Sink(), hostname="127.0.0.1", port=int(port), tls_context=ctx,
               require_starttls=True, auth_required=True, auth_require_tls=True,
               authenticator=authenticator)
c.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
c.stop()
