"""A MINIMAL STAND-IN for Part A's tests/sms.py (session 37): a local
server that speaks the one call of Twilio's REST API the opt-in page makes
(creating a message), with the fixture contract of the common brief
(`sms_sink`, `texts_on`). Replace it with Part A's file when that lands:
only the parts below are used by tests/sessions_log/test_texts_optin*.py
(url, account_sid, auth_token, messages, clear, fail_next, reject_number)."""

import json
import re
import secrets
import threading
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from twilio.request_validator import RequestValidator

from common import sms

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


class Sink:
    def __init__(self):
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.messages: list[dict] = []
        self.callbacks = False
        self._failures: list[tuple[int, int | None]] = []
        self._rejected: dict[str, int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def clear(self):
        with self.lock:
            self.messages.clear()
            self._failures.clear()
            self._rejected.clear()

    def fail_next(self, status=503, count=1, code=None):
        with self.lock:
            self._failures += [(status, code)] * count

    def reject_number(self, number, code=21211):
        with self.lock:
            self._rejected[number] = code

    def signature(self, url, params) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def _answer(self, path: str, authorization: str, form: dict) -> tuple[int, dict]:
        found = _MESSAGES.match(path)
        if not found:
            return 404, {"code": 20404, "message": "Not found", "status": 404}
        expected = f"{self.account_sid}:{self.auth_token}"
        given = authorization.removeprefix("Basic ")
        if found["sid"] != self.account_sid or b64decode(given or b"=").decode() != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        with self.lock:
            if self._failures:
                status, code = self._failures.pop(0)
                return status, {"code": code, "message": "Service unavailable", "status": status}
            to = form.get("To", "")
            if to in self._rejected:
                code = self._rejected[to]
                return 400, {"code": code, "message": f"The 'To' number {to} is not valid."}
            message = {
                "sid": "SM" + secrets.token_hex(16),
                "to": to,
                "from_": form.get("From", ""),
                "messaging_service_sid": form.get("MessagingServiceSid", ""),
                "body": form.get("Body", ""),
                "status_callback": form.get("StatusCallback", ""),
            }
            self.messages.append(message)
        return 201, {
            "sid": message["sid"],
            "account_sid": self.account_sid,
            "to": message["to"],
            "from": message["from_"],
            "body": message["body"],
            "status": "queued",
            "num_segments": "1",
        }


def _handler(sink: Sink):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            fields = parse_qs(self.rfile.read(length).decode())
            form = {name: values[-1] for name, values in fields.items()}
            status, body = sink._answer(self.path, self.headers.get("Authorization", ""), form)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture(scope="session")
def sms_sink():
    sink = Sink()
    thread = threading.Thread(target=sink.server.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.server.shutdown()
    sink.server.server_close()


@pytest.fixture
def texts_on(settings, sms_sink):
    settings.TWILIO_ACCOUNT_SID = sms_sink.account_sid
    settings.TWILIO_AUTH_TOKEN = sms_sink.auth_token
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_URL = sms_sink.url
    settings.TEXTS_HELP_PHONE = "+1 555 010 0199"
    sms_sink.clear()
    sms._twilio.cache_clear()
    yield sms_sink
    sms._twilio.cache_clear()
