"""The load client: a paced run offers the rate it was given, and a server that cannot keep up
shows it in the latencies (they are counted from when each request was due)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import pytest

from bench.load import hammer


def _server(server_class, delay: float):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = server_class(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def quick():
    server = _server(ThreadingHTTPServer, 0.0)
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def slow():
    # one request at a time, 50 ms each: at most 20 requests/s
    server = _server(HTTPServer, 0.05)
    yield server.server_address[1]
    server.shutdown()


def test_a_paced_run_offers_the_rate_it_was_given(quick):
    result = hammer("127.0.0.1", quick, "/", [{}], clients=5, seconds=2.0, budget=10_000, rate=50)
    # 50 requests/s for 2 s from 5 clients, each every 0.1 s
    assert 90 <= result["requests"] <= 101
    assert result["ok"] == result["requests"]
    assert result["offered_rps"] == 50
    assert result["p95_ms"] < 50


def test_a_closed_loop_asks_as_fast_as_it_is_answered(quick):
    result = hammer("127.0.0.1", quick, "/", [{}], clients=2, seconds=1.0, budget=300)
    assert result["requests"] == 300
    assert result["offered_rps"] is None


def test_a_server_that_falls_behind_shows_in_the_latencies(slow):
    # offered 40/s, served at most 20/s: by the end, requests wait about a second
    result = hammer("127.0.0.1", slow, "/", [{}], clients=4, seconds=2.0, budget=10_000, rate=40)
    assert result["rps"] < 25
    assert result["p95_ms"] > 500
