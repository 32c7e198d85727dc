"""The cluster's upstream checker (scripts/cluster/upstream_check.py): which
web hosts nginx is told are down. On a busy machine every host is slow at
once; that must never take them all out, while a host that is gone must go
at once (issue 29, point 7)."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.cluster import upstream_check
from scripts.cluster.upstream_check import DEAD, OK, SLOW, Checker

WEB1, WEB2 = "10.0.0.21:8000", "10.0.0.22:8000"


def _rounds(checker: Checker, *rounds: dict) -> set:
    for answers in rounds:
        checker.down = checker.wanted(answers)
    return checker.down


def test_a_host_that_refuses_is_out_at_once_and_back_after_two_good_answers():
    checker = Checker([WEB1, WEB2])
    assert _rounds(checker, {WEB1: DEAD, WEB2: OK}) == {WEB1}
    assert _rounds(checker, {WEB1: OK, WEB2: OK}) == {WEB1}
    assert _rounds(checker, {WEB1: OK, WEB2: OK}) == set()


def test_every_host_slow_together_takes_none_out():
    checker = Checker([WEB1, WEB2])
    assert _rounds(checker, *[{WEB1: SLOW, WEB2: SLOW}] * 10) == set()


def test_one_host_slow_three_times_in_a_row_is_out_but_two_slow_answers_are_not():
    checker = Checker([WEB1, WEB2])
    assert _rounds(checker, {WEB1: SLOW, WEB2: OK}, {WEB1: SLOW, WEB2: OK}) == set()
    assert _rounds(checker, {WEB1: OK, WEB2: OK}, {WEB1: SLOW, WEB2: OK}) == set()
    assert _rounds(checker, *[{WEB1: SLOW, WEB2: OK}] * 3) == {WEB1}


def test_with_one_host_gone_the_other_slow_stays_in():
    """web1 killed on a saturated machine: web2 answering slowly must not
    follow it out, or nginx would have nowhere to send anyone."""
    checker = Checker([WEB1, WEB2])
    assert _rounds(checker, {WEB1: DEAD, WEB2: SLOW}) == {WEB1}
    assert _rounds(checker, *[{WEB1: DEAD, WEB2: SLOW}] * 5) == {WEB1}
    assert _rounds(checker, {WEB1: DEAD, WEB2: DEAD}) == {WEB1}


def _server(handler) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_address[1]}"


def _answering(database: str, status: int = 200):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = json.dumps({"database": database}).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


@pytest.mark.parametrize(
    ("database", "status", "expected"),
    [("ok", 200, OK), ("ok", 503, OK), ("unavailable", 503, DEAD)],
)
def test_a_health_answer_says_whether_the_hosts_database_works(database, status, expected):
    """A 503 only for late reminders keeps the host in (the workers' problem)."""
    server, address = _server(_answering(database, status))
    try:
        assert upstream_check.probe(address) == expected
    finally:
        server.shutdown()


def test_a_refused_connection_is_dead_and_no_answer_is_slow(monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert upstream_check.probe(f"127.0.0.1:{port}") == DEAD
    monkeypatch.setattr(upstream_check, "TIMEOUT", 0.3)
    with socket.socket() as silent:  # accepts (the kernel's backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        assert upstream_check.probe(f"127.0.0.1:{silent.getsockname()[1]}") == SLOW
