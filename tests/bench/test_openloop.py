"""bench/openloop.py: `make bench`'s open-loop load (`p95_open_ms`): the
offered rate is held whatever the server does, and a server that falls
behind shows its queue in the percentiles (no coordinated omission)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import openloop
from bench.load import Request


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, service_ms: float, status: int = 200, body: bytes = b"ok"):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.service_ms, self.status, self.body = service_ms, status, body
        # One request at a time, as a single busy worker serves them.
        self.worker = threading.Lock()
        self.seen: list[tuple[float, str]] = []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's name
        server = self.server
        with server.worker:
            server.seen.append((time.perf_counter(), self.headers.get("Cookie", "")))
            time.sleep(server.service_ms / 1000)
        self.send_response(server.status)
        self.send_header("Content-Length", str(len(server.body)))
        self.end_headers()
        self.wfile.write(server.body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(**options):
        server = _Server(**options)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


REQUESTS = [Request("/page/", f"session={n}") for n in range(7)]


def test_the_offered_rate_is_held_and_every_person_comes_in_turn(serve):
    server, base = serve(service_ms=1)
    figures = openloop.drive(base, REQUESTS, rate=200, seconds=1.5)
    assert figures["sent"] == figures["completed"] == 300
    assert figures["errors"] == 0
    assert figures["achieved_rps"] == pytest.approx(200, rel=0.1)
    # Spread over the 1.5 s, not sent in a burst.
    arrivals = [at for at, _ in server.seen]
    assert arrivals[-1] - arrivals[0] == pytest.approx(1.5, abs=0.3)
    assert [cookie for _, cookie in server.seen[:14]] == [r.cookie for r in REQUESTS] * 2


def test_a_server_that_keeps_up_answers_within_its_service_time(serve):
    _, base = serve(service_ms=10)  # capacity: 100 requests/s
    figures = openloop.drive(base, REQUESTS, rate=40, seconds=1.5)
    assert figures["errors"] == 0
    assert figures["p95"] < 250  # loose: the machine may be busy; the queue below is seconds


def test_a_slow_servers_queue_shows_in_the_p95(serve):
    """Offered twice what the server can do: each request waits for those
    before it, and its time counts from when it was due, not from when a
    connection came free (what a fixed set of connections would report:
    about the 10 ms service time)."""
    _, base = serve(service_ms=10)  # capacity: 100 requests/s
    figures = openloop.drive(base, REQUESTS, rate=200, seconds=1.5)
    assert figures["sent"] == 300
    assert figures["achieved_rps"] == pytest.approx(200, rel=0.1)
    # 300 requests take 3 s to serve; the last are due at 1.5 s.
    assert figures["p95"] > 1000


def test_an_unexpected_status_or_a_refusal_in_the_body_is_an_error(serve):
    _, base = serve(service_ms=1, status=403)
    assert openloop.drive(base, REQUESTS, rate=50, seconds=0.4)["errors"] == 20
    _, base = serve(service_ms=1, body=b"Not saved")
    figures = openloop.drive(
        base, REQUESTS, rate=50, seconds=0.4, method="POST", refuse="Not saved"
    )
    assert figures["errors"] == 20


def test_a_server_that_does_not_answer_is_an_error_not_a_hang():
    figures = openloop.drive("http://127.0.0.1:9", REQUESTS, rate=50, seconds=0.2)
    assert figures["errors"] == figures["sent"] == 10


def test_a_request_waiting_for_a_connection_counts_its_wait(serve, monkeypatch):
    """Coordinated omission: with every connection busy, a request due now
    waits; its time runs from when it was due, not from when it was sent."""
    monkeypatch.setattr(openloop, "MAX_CONNECTIONS", 1)
    _, base = serve(service_ms=10)  # capacity: 100 requests/s
    figures = openloop.drive(base, REQUESTS, rate=200, seconds=1.0)
    assert figures["completed"] == 200
    assert figures["p95"] > 700  # sent one by one, the last ones ~1 s late
