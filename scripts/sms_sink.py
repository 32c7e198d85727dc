"""A local server that speaks the part of Twilio's REST API we use, for the
tests, `make run` and `make bench-reminders`: the text messages' mail sink.

It takes what the `twilio` library sends (POST /2010-04-01/Accounts/{sid}/
Messages.json, HTTP Basic auth, form-encoded To, From or MessagingServiceSid,
Body, StatusCallback), answers as Twilio does (201 and the message's JSON, or
Twilio's JSON error shape), and then posts status callbacks ("sent", then
"delivered", or "undelivered"/"failed" with an ErrorCode) signed as Twilio
signs them (X-Twilio-Signature, by the library's own RequestValidator). It
also posts signed inbound texts to the app and reads its TwiML reply.

Faults on demand, for the tests: `fail_next` (an error status), `delay_next`
(an answer later than the client's timeout), `reject_number` (400 at send),
`undeliverable` (taken, then the callback says it never arrived).

In-process (tests): `SmsSink(host, port, account_sid, auth_token).start()`.
As a program (`make run`: prints each text; GET/DELETE /_sink/messages;
POST /_sink/inbound from=..&body=.. texts the app as that number):

    python -m scripts.sms_sink --port 1026 --account-sid AC.. --auth-token T --print
"""

import argparse
import base64
import contextlib
import json
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from queue import Queue
from urllib.parse import parse_qs, urlencode

from twilio.request_validator import RequestValidator

from scripts.sms_wire import (
    E164,
    MESSAGES,
    callback_params,
    error,
    inbound_params,
    new_sid,
    readable,
    resource,
    segments,
    twiml_replies,
)


class SmsSink:
    """The server, its record of the messages taken, and its faults to come."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "sink-auth-token",  # noqa: S107 - the sink's own, for tests
        callbacks: bool = True,
        *,
        printing: bool = False,
        status_callback: str = "",
        inbound_url: str = "",
    ):
        self.host, self.port = host, port
        self.account_sid, self.auth_token = account_sid, auth_token
        self.printing = printing
        # Where callbacks go for a message sent without StatusCallback, as a
        # messaging service's own setting does (`make run`: the app's URL).
        self.status_callback, self.inbound_url = status_callback, inbound_url
        self._callbacks_default = callbacks
        self.lock = threading.Lock()
        self._validator = RequestValidator(auth_token)
        self._outbox: Queue = Queue()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self.clear()

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "SmsSink":
        self._server = _Server((self.host, self.port), _Handler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        for target in (self._server.serve_forever, self._post_callbacks):
            thread = threading.Thread(target=target, daemon=True, name="sms-sink")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._outbox.put(None)

    def clear(self) -> None:
        """Forget the messages and callbacks, and every fault still to come."""
        with self.lock:
            self.messages: list[dict] = []
            self.callback_log: list[dict] = []
            self._faults: deque = deque()
            self._rejected: dict[str, int] = {}
            self._undeliverable: dict[str, tuple[int, str]] = {}
            self.callbacks = self._callbacks_default

    # --------------------------------------------------------------- faults

    def fail_next(self, status: int = 503, count: int = 1, code: int | None = None) -> None:
        """The next `count` sends get `status` with Twilio's error JSON."""
        with self.lock:
            self._faults.extend([("fail", status, code)] * count)

    def delay_next(self, seconds: float, count: int = 1, *, taken: bool = True) -> None:
        """The next `count` sends are answered `seconds` late. `taken`: the
        message is kept all the same, as Twilio may have taken a request
        whose answer never reached the client."""
        with self.lock:
            self._faults.extend([("delay", seconds, taken)] * count)

    def reject_number(self, number: str, code: int = 21211) -> None:
        """Sends to `number` get 400 with `code`."""
        with self.lock:
            self._rejected[number] = code

    def undeliverable(self, number: str, code: int = 30005, status: str = "undelivered") -> None:
        """Sends to `number` are taken; the callback says `status` and `code`."""
        with self.lock:
            self._undeliverable[number] = (code, status)

    # ------------------------------------------------------------- webhooks

    def signature(self, url: str, params: dict) -> str:
        """X-Twilio-Signature of a POST of `params` to `url`."""
        return self._validator.compute_signature(url, params)

    def inbound_params(self, from_: str, body: str, to: str | None = None) -> dict:
        """What Twilio posts to the app's inbound URL when `from_` texts `to`
        (for a test that posts it through Django's test client)."""
        return inbound_params(self.account_sid, from_, body, to)

    def inbound(self, url: str, from_: str, body: str, to: str | None = None):
        """Post a signed inbound text to `url`: (HTTP status, reply bodies)."""
        status, text = self._post(url, self.inbound_params(from_, body, to))
        return status, twiml_replies(text) if 200 <= status < 300 else []

    def wait_callbacks(self, count: int, timeout: float = 10.0) -> bool:
        """Whether `count` callbacks have been posted (or tried) in time."""
        deadline = time.monotonic() + timeout
        while len(self.callback_log) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.callback_log) >= count

    def _post(self, url: str, params: dict) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - a URL the app or the test gave
            url,
            data=urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": self.signature(url, params),
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    # ---------------------------------------------------------------- sends

    def take(self, account: str, auth: str | None, form: dict) -> tuple[int, dict, float]:
        """A POST to Messages.json: (HTTP status, JSON answer, seconds to wait)."""
        if auth != "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()
        ).decode("ascii"):
            return error(401, 20003)
        if account != self.account_sid:
            return error(404, 20404)
        with self.lock:
            fault = self._faults.popleft() if self._faults else None
        if fault and fault[0] == "fail":
            return error(fault[1], fault[2])
        to, body = form.get("To", ""), form.get("Body", "")
        sender, service = form.get("From", ""), form.get("MessagingServiceSid", "")
        if not to:
            return error(400, 21604)
        if not body:
            return error(400, 21602)
        if not (sender or service):
            return error(400, 21603)
        if not E164.match(to):
            return error(400, 21211)
        with self.lock:
            rejected = self._rejected.get(to)
        if rejected:
            return error(400, rejected)
        delay, taken = (fault[1], fault[2]) if fault else (0.0, True)
        message = {
            "sid": new_sid(),
            "to": to,
            "from_": sender,
            "messaging_service_sid": service,
            "body": body,
            "status_callback": form.get("StatusCallback", ""),
            "status": "queued",
            "num_segments": segments(body),
            "date_created": formatdate(usegmt=True),
        }
        if taken:
            self._keep(message)
        return 201, resource(message, self.account_sid), delay

    def _keep(self, message: dict) -> None:
        with self.lock:
            self.messages.append(message)
            callback = self.callbacks and (message["status_callback"] or self.status_callback)
        if self.printing:
            print(readable(message), flush=True)
        if callback:
            self._outbox.put((message, callback))

    def _post_callbacks(self) -> None:
        """One thread posts every callback, in order: a message's "sent"
        always reaches the app before its "delivered"."""
        while (item := self._outbox.get()) is not None:
            message, url = item
            with self.lock:
                code, final = self._undeliverable.get(message["to"], (None, "delivered"))
            for status in ["failed"] if final == "failed" else ["sent", final]:
                params = callback_params(message, status, code, self.account_sid)
                message["status"] = status
                try:
                    answer, _ = self._post(url, params)
                except OSError as error:  # the app is not there: as Twilio, drop it
                    answer = f"not reached: {type(error).__name__}"
                entry = {"url": url, "params": params, "answer": answer}
                entry["signature"] = self.signature(url, params)
                with self.lock:
                    self.callback_log.append(entry)
                if self.printing:
                    print(f"text sink: {message['sid']} {status} -> {url}: {answer}", flush=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    sink: SmsSink


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the library's pooled session expects
    server: _Server
    timeout = 120  # an idle kept-alive connection is closed after this
    # Headers and body leave in two writes: with Nagle's algorithm on, the
    # second waits for the client's delayed ACK (40 ms a message).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass  # a request line says nothing useful, and no number is logged

    def _form(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}

    def _answer(self, status: int, payload, delay: float = 0.0) -> None:
        data = json.dumps(payload).encode()
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up waiting (delay_next)

    def do_POST(self):  # noqa: N802 - the stdlib's name
        sink = self.server.sink
        form = self._form()
        path = self.path.split("?")[0]
        if path == "/_sink/inbound":
            url = form.get("url") or sink.inbound_url
            status, replies = sink.inbound(url, form.get("from", ""), form.get("body", ""))
            if sink.printing:
                print(f"text sink: inbound -> {url}: {status}, replies: {replies}", flush=True)
            return self._answer(200, {"status": status, "replies": replies})
        match = MESSAGES.match(path)
        if not match:
            return self._answer(*error(404, 20404)[:2])
        self._answer(*sink.take(match.group(1), self.headers.get("Authorization"), form))

    def do_GET(self):  # noqa: N802
        if self.path.split("?")[0] != "/_sink/messages":
            return self._answer(*error(404, 20404)[:2])
        with self.server.sink.lock:
            self._answer(200, list(self.server.sink.messages))

    def do_DELETE(self):  # noqa: N802
        if self.path.split("?")[0] != "/_sink/messages":
            return self._answer(*error(404, 20404)[:2])
        with self.server.sink.lock:
            self.server.sink.messages.clear()
        self._answer(200, [])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1026)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--print", action="store_true", help="print each text as it comes")
    parser.add_argument("--no-callbacks", action="store_true", help="post no status callbacks")
    parser.add_argument("--status-callback", default="", help="for texts sent without one")
    parser.add_argument("--inbound-url", default="", help="where POST /_sink/inbound texts go")
    args = parser.parse_args(argv)
    sink = SmsSink(
        args.host,
        args.port,
        args.account_sid,
        args.auth_token,
        callbacks=not args.no_callbacks,
        printing=args.print,
        status_callback=args.status_callback,
        inbound_url=args.inbound_url,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    sink.start()
    print(f"text sink: Twilio's API on {sink.url} (account {sink.account_sid})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    sink.stop()


if __name__ == "__main__":
    sys.exit(main())
