"""The web hosts' gunicorn worker (common/web_worker.py): an answer's head
never reaches the proxy without its body, so a host that dies mid-answer
leaves the proxy nothing it has passed on, and the request is retried on
the other host (issue 29, point 7: the one request check 8 lost)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.web_worker import HeadWithBody
from tests.conftest import _free_port, wait_until

HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
ROOT = Path(__file__).resolve().parents[2]


def _nothing_waiting(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return not sock.recv(1)
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)


def test_the_head_waits_for_the_body_and_both_go_in_one_write():
    ours, proxy = socket.socketpair()
    with ours, proxy:
        connection = HeadWithBody(ours)
        connection.sendall(HEAD)
        assert _nothing_waiting(proxy)
        connection.sendall(b"")
        assert _nothing_waiting(proxy)
        connection.sendall(b"body")
        assert proxy.recv(4096) == HEAD + b"body"


def test_anything_else_asked_of_the_connection_sends_the_held_head_first():
    """A file answer goes out by descriptor (sendfile), an empty one is
    closed: the head is on the wire before either."""
    ours, proxy = socket.socketpair()
    with ours, proxy:
        connection = HeadWithBody(ours)
        connection.sendall(HEAD)
        connection.fileno()
        assert proxy.recv(4096) == HEAD


# An answer whose body takes a while to come after its head is written (an
# empty first chunk): with gunicorn's own worker the head is on the wire in
# the meantime, as it is for the moment between two writes of any answer.
APP = """
import time
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
    if environ["PATH_INFO"] == "/slow":
        return slowly()
    return [b"body"]
def slowly():
    yield b""  # gunicorn writes the head here
    time.sleep(1.5)
    yield b"body"
"""


@pytest.fixture
def gunicorn(tmp_path):
    (tmp_path / "slow_app.py").write_text(APP)
    port = _free_port()
    server = subprocess.Popen(
        # Started as the web hosts start it, from the project's root with no
        # worker class named: gunicorn.conf.py names ours.
        [sys.executable, "-m", "gunicorn", "slow_app:app", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--no-control-socket", "--pythonpath", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def answers() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    try:
        wait_until(answers, timeout=30)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _ask(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
    return sock


def _whole(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def test_a_web_host_sends_nothing_until_the_body_is_ready(gunicorn):
    with _ask(gunicorn, "/slow") as sock:
        time.sleep(0.7)  # the head is ready, the body 0.8 s away
        assert _nothing_waiting(sock)
        answer = _whole(sock)
    assert answer.startswith(b"HTTP/1.0 200 OK") and answer.endswith(b"\r\n\r\nbody")


def test_a_quick_answer_is_whole(gunicorn):
    with _ask(gunicorn, "/") as sock:
        answer = _whole(sock)
    assert answer.startswith(b"HTTP/1.0 200 OK") and answer.endswith(b"\r\n\r\nbody")
