"""The local Twilio-speaking server (scripts/sms_sink.py) answers as Twilio
does where a wrong answer would make the texts' tests lie, and `make run`'s
copy of it prints each text so a newcomer sees it."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from scripts.sms_sink import SmsSink
from scripts.sms_wire import segments

ROOT = Path(__file__).resolve().parents[2]
TO = "+15551230002"


@pytest.fixture
def sink():
    server = SmsSink(account_sid="AC" + "7" * 32, auth_token="sink-test-token").start()
    yield server
    server.stop()


def _post(sink, data, *, auth=None, account=None):
    return requests.post(
        f"{sink.url}/2010-04-01/Accounts/{account or sink.account_sid}/Messages.json",
        data=data,
        auth=auth or (sink.account_sid, sink.auth_token),
        timeout=5,
    )


def test_it_refuses_a_send_without_the_accounts_token_in_twilios_shape(sink):
    for auth in [(sink.account_sid, "wrong"), ("AC" + "8" * 32, sink.auth_token)]:
        answer = _post(sink, {"To": TO, "From": "+15005550006", "Body": "x"}, auth=auth)
        assert answer.status_code == 401
        assert answer.json()["code"] == 20003
        assert set(answer.json()) == {"code", "message", "more_info", "status"}
    url = f"{sink.url}/2010-04-01/Accounts/{sink.account_sid}/Messages.json"
    answer = requests.post(url, data={"To": TO, "From": "+1", "Body": "x"}, timeout=5)
    assert answer.status_code == 401
    assert sink.messages == []


def test_it_refuses_another_accounts_url(sink):
    answer = _post(sink, {"To": TO, "From": "+1", "Body": "x"}, account="AC" + "9" * 32)

    assert answer.status_code == 404 and answer.json()["code"] == 20404


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"From": "+15005550006", "Body": "x"}, 21604),
        ({"To": TO, "From": "+15005550006"}, 21602),
        ({"To": TO, "Body": "x"}, 21603),
        ({"To": "5551230002", "From": "+15005550006", "Body": "x"}, 21211),
        ({"To": "+1 555 123", "From": "+15005550006", "Body": "x"}, 21211),
    ],
)
def test_a_bad_send_gets_400_with_twilios_code_and_is_not_kept(sink, data, code):
    answer = _post(sink, data)

    assert answer.status_code == 400
    assert answer.json() == {
        "code": code,
        "message": answer.json()["message"],
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
    assert answer.json()["message"]
    assert sink.messages == []


def test_a_send_gets_201_and_the_json_the_library_reads(sink):
    client = Client(sink.account_sid, sink.auth_token)
    client.api.base_url = sink.url

    message = client.messages.create(to=TO, from_="+15005550006", body="¿Hola?")

    assert (message.to, message.from_, message.body, message.status) == (
        TO,
        "+15005550006",
        "¿Hola?",
        "queued",
    )
    assert message.account_sid == sink.account_sid and message.num_segments == "1"
    assert message.uri == f"/2010-04-01/Accounts/{sink.account_sid}/Messages/{message.sid}.json"
    assert message.date_created is not None


def test_faults_come_in_order_then_sends_go_again(sink):
    sink.fail_next(503, count=2)
    sink.fail_next(429, code=20429)

    statuses = [_post(sink, {"To": TO, "From": "+1", "Body": "x"}).status_code for _ in range(4)]

    assert statuses == [503, 503, 429, 201]
    assert len(sink.messages) == 1


def test_clear_forgets_messages_and_faults_to_come(sink):
    _post(sink, {"To": TO, "From": "+1", "Body": "x"})
    sink.fail_next(503)
    sink.reject_number(TO)
    sink.callbacks = False

    sink.clear()

    assert sink.messages == [] and sink.callbacks is True
    assert _post(sink, {"To": TO, "From": "+1", "Body": "x"}).status_code == 201


def test_it_counts_segments_as_carriers_do():
    assert segments("x" * 160) == 1
    assert segments("x" * 161) == 2
    assert segments("€" * 80) == 1  # two septets each: 160
    assert segments("ñ" * 160) == 1  # GSM-7 has ñ
    assert segments("ó" * 70) == 1  # it has no ó: UCS-2, 70 a segment
    assert segments("ó" * 71) == 2


class _App(BaseHTTPRequestHandler):
    """An app's inbound URL that answers HELP with TwiML."""

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_POST(self):  # noqa: N802
        raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
        params = dict(urllib.parse.parse_qsl(raw))
        url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        signed = RequestValidator("sink-test-token").validate(
            url, params, self.headers["X-Twilio-Signature"]
        )
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><Response>"
            f"<Message>{'signed' if signed else 'unsigned'} {params['Body']}</Message>"
            "<Message><Body>second</Body></Message></Response>"
        ).encode()
        self.send_response(200 if signed else 403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_an_inbound_text_is_posted_signed_and_its_twiml_replies_read(sink):
    app = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{app.server_address[1]}/texts/inbound/"
        assert sink.inbound(url, TO, "HELP") == (200, ["signed HELP", "second"])
    finally:
        app.shutdown()
        app.server_close()


def test_make_runs_sink_prints_each_text_and_lists_them(tmp_path):
    port = _free_port()
    log = open(tmp_path / "sink.log", "w")  # noqa: SIM115
    program = subprocess.Popen(
        [sys.executable, "-m", "scripts.sms_sink", "--port", str(port)]
        + ["--account-sid", "AC" + "6" * 32, "--auth-token", "tok", "--print"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        client = Client("AC" + "6" * 32, "tok")
        client.api.base_url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: "Twilio's API on" in (tmp_path / "sink.log").read_text())
        client.messages.create(to=TO, from_="+15005550006", body="Casey: Tue 3:00 PM http://x/t/ab")

        _wait_for(lambda: "end of text" in (tmp_path / "sink.log").read_text())
        printed = (tmp_path / "sink.log").read_text()
        sink_messages = f"http://127.0.0.1:{port}/_sink/messages"
        listed = requests.get(sink_messages, timeout=5).json()
        requests.delete(sink_messages, timeout=5)
        emptied = requests.get(sink_messages, timeout=5).json()
    finally:
        program.terminate()
        program.wait(timeout=10)
        log.close()

    assert "---------- text sink: a text ----------" in printed
    assert f"To:      {TO}" in printed and "From:    +15005550006" in printed
    assert "Casey: Tue 3:00 PM http://x/t/ab" in printed.splitlines()
    assert [m["body"] for m in listed] == ["Casey: Tue 3:00 PM http://x/t/ab"]
    assert emptied == []
    assert program.returncode == 0  # SIGTERM: a clean stop


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
