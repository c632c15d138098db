"""A real SMTP server in its own process for throughput tests: appends each accepted
message's SMTP session and Message-ID to a file. Usage: python smtp_sink.py PORT OUTFILE"""

import signal
import sys
import threading
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class AppendMessageIds:
    def __init__(self, path: str):
        self.out = open(path, "a", buffering=1)  # noqa: SIM115 (lives as long as the process)

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.content)
        self.out.write(f"{id(session)} {headers['Message-ID']}\n")
        return "250 Message accepted for delivery"


if __name__ == "__main__":
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(AppendMessageIds(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
