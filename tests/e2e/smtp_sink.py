# SPDX-License-Identifier: Apache-2.0
# tests/e2e/smtp_sink.py — an aiosmtpd handler that writes every accepted
# message to DIR/NNNNNN.eml (written to a temporary name, then renamed).
# Run: PYTHONPATH=tests/e2e python3 -m aiosmtpd -n -l 127.0.0.1:PORT \
#        -c smtp_sink.Sink DIR
import os


class Sink:
    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.n = len(os.listdir(directory))

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Sink needs one argument: the directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        name = os.path.join(self.dir, "%06d.eml" % self.n)
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 Message accepted for delivery"
