"""STAND-IN for Part A's tests/sms.py (session 37): the `sms_sink` and
`texts_on` fixtures of the contract in the brief, only as much as the
webhook tests use: a local server taking Twilio's Messages API calls
(recording them, with `reject_number`), signed status callbacks
(`callbacks`, `undeliverable`), `signature` and `inbound`. Part A's file
replaces this one at the merge.
"""

import json
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from defusedxml import ElementTree
from twilio.request_validator import RequestValidator

from common import sms


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Sink:
    def __init__(self):
        self.account_sid = "AC" + "0" * 32
        self.auth_token = "sink-test-auth-token"
        self.messages: list[dict] = []
        self.callbacks = False
        self._rejected: dict[str, int] = {}
        self._undeliverable: dict[str, int] = {}
        self._threads: list[threading.Thread] = []
        self.url = ""

    def clear(self):
        self.messages.clear()
        self._rejected.clear()
        self._undeliverable.clear()
        self.callbacks = False

    def reject_number(self, number: str, code: int = 21211):
        self._rejected[number] = code

    def undeliverable(self, number: str, code: int = 30005):
        self._undeliverable[number] = code

    def signature(self, url: str, params: dict) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def _post(self, url: str, params: dict) -> tuple[int, str]:
        data = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(  # noqa: S310 - a loopback test server
            url, data=data, headers={"X-Twilio-Signature": self.signature(url, params)}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def inbound(self, url: str, from_: str, body: str, to: str | None = None):
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to or "+15005550006",
            "Body": body,
            "NumSegments": "1",
        }
        status, text = self._post(url, params)
        replies = []
        if status == 200 and text.strip():
            replies = [m.text or "" for m in ElementTree.fromstring(text).iter("Message")]
        return status, replies

    def wait_callbacks(self, timeout: float = 10.0):
        for thread in list(self._threads):
            thread.join(timeout)

    def _callbacks_for(self, message: dict):
        # As Twilio's, the callbacks come after the create call has answered.
        time.sleep(0.3)
        url, to = message["status_callback"], message["to"]
        statuses = [("sent", None)]
        if to in self._undeliverable:
            statuses.append(("undelivered", self._undeliverable[to]))
        else:
            statuses.append(("delivered", None))
        for status, code in statuses:
            params = {
                "MessageSid": message["sid"],
                "AccountSid": self.account_sid,
                "MessageStatus": status,
                "To": to,
            }
            if code:
                params["ErrorCode"] = str(code)
            self._post(url, params)

    def handle_create(self, form: dict) -> tuple[int, dict]:
        to = form.get("To", "")
        if to in self._rejected:
            code = self._rejected[to]
            return 400, {"code": code, "message": "The 'To' number is not valid.", "status": 400}
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "to": to,
            "from_": form.get("From", ""),
            "messaging_service_sid": form.get("MessagingServiceSid", ""),
            "body": form.get("Body", ""),
            "status_callback": form.get("StatusCallback", ""),
        }
        self.messages.append(message)
        if self.callbacks and message["status_callback"]:
            thread = threading.Thread(target=self._callbacks_for, args=(message,))
            self._threads.append(thread)
            thread.start()
        return 201, {
            "sid": message["sid"],
            "account_sid": self.account_sid,
            "to": to,
            "from": message["from_"],
            "body": message["body"],
            "status": "queued",
        }


_CREATE = re.compile(r"/2010-04-01/Accounts/(\w+)/Messages\.json")


def _handler(sink: _Sink):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if not _CREATE.fullmatch(self.path):
                self.send_response(404)
                self.end_headers()
                return
            status, payload = sink.handle_create(form)
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="session")
def sms_sink():
    sink = _Sink()
    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), _handler(sink))
    sink.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield sink
    server.shutdown()


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
    sms_sink.clear()
    sms._twilio.cache_clear()
