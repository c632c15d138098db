"""An SMTP server for the benchmark, in its own process so it does not share the sender's
interpreter lock: accepts every message, counts messages and sessions, and writes the counts
to a file when it is told to stop (SIGTERM) or on every 1,000th message.

Usage: python -m bench.smtp_sink PORT COUNTS_FILE
"""

from __future__ import annotations

import json
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self, path: str):
        self.path = path
        self.messages = 0
        self.sessions: set[int] = set()
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.sessions.add(id(session))
        self.bytes += len(envelope.content)
        if self.messages % 1000 == 0:
            self.dump()
        return "250 Message accepted for delivery"

    def dump(self) -> None:
        with open(self.path, "w") as out:
            json.dump({"messages": self.messages, "sessions": len(self.sessions), "bytes": self.bytes}, out)


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    counter = Counter(path)
    counter.dump()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: counter.dump())
    stop.wait()
    controller.stop()
    counter.dump()


if __name__ == "__main__":
    main()
