"""common.sms: the real `twilio` library against the local Twilio-speaking
server (tests/sms.py), and the webhook signature check against what that
server signs. No mock: a send crosses HTTP, as it does to Twilio."""

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from django.test import override_settings

from common import sms
from tests.sms import FROM_NUMBER

TO = "+15551230001"


class _Receiver(ThreadingHTTPServer):
    """An app's webhook URL: keeps each POST (headers, params) and answers
    with `reply` (TwiML for inbound texts)."""

    daemon_threads = True

    def __init__(self, reply: str = ""):
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.reply, self.posts = reply, []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str = "/texts/status/") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _ReceiverHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_POST(self):  # noqa: N802
        raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
        params = {key: values[0] for key, values in parse_qs(raw).items()}
        self.server.posts.append((self.path, dict(self.headers), params))
        body = self.server.reply.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def receiver():
    server = _Receiver()
    yield server
    server.shutdown()
    server.server_close()


def test_a_text_reaches_twilio_with_number_sender_body_and_callback(texts_on):
    sent = sms.provider().send(to=TO, body="Casey, Tue 3:00 PM", status_callback="https://x/s/")

    [message] = texts_on.messages
    assert (message["to"], message["from_"], message["body"]) == (
        TO,
        FROM_NUMBER,
        "Casey, Tue 3:00 PM",
    )
    assert message["status_callback"] == "https://x/s/"
    assert sent == sms.Sent(sid=message["sid"], status="queued")
    assert sent.sid.startswith("SM") and len(sent.sid) == 34


def test_a_messaging_service_is_the_sender_when_one_is_set(texts_on, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "a" * 32

    sms.provider().send(to=TO, body="hi")

    [message] = texts_on.messages
    assert message["messaging_service_sid"] == "MG" + "a" * 32
    assert message["from_"] == ""
    assert message["status_callback"] == ""


def test_a_wrong_token_is_refused_for_good_and_nothing_is_sent(texts_on, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"

    with pytest.raises(sms.TextError) as raised:
        sms.provider().send(to=TO, body="hi")

    assert raised.value.permanent
    assert raised.value.code == 20003
    assert not raised.value.number_dead
    assert texts_on.messages == []


@pytest.mark.parametrize("code", [21211, 21614])
def test_a_number_twilio_refuses_is_permanent_and_dead(texts_on, code):
    texts_on.reject_number(TO, code=code)

    with pytest.raises(sms.TextError) as raised:
        sms.provider().send(to=TO, body="hi")

    assert (raised.value.permanent, raised.value.number_dead, raised.value.code) == (
        True,
        True,
        code,
    )
    assert texts_on.messages == []


def test_a_number_not_in_e164_is_refused_as_twilio_does(texts_on):
    with pytest.raises(sms.TextError) as raised:
        sms.provider().send(to="555-0100", body="hi")

    assert raised.value.code == 21211 and raised.value.number_dead


@pytest.mark.parametrize("status", [429, 500, 503])
def test_twilio_busy_or_down_is_worth_another_try(texts_on, status):
    texts_on.fail_next(status)

    with pytest.raises(sms.TextError) as raised:
        sms.provider().send(to=TO, body="hi")

    assert not raised.value.permanent
    assert not raised.value.number_dead
    assert str(status) in str(raised.value)
    # The outage was one answer: the next send goes.
    sms.provider().send(to=TO, body="again")
    assert [m["body"] for m in texts_on.messages] == ["again"]


def test_an_answer_later_than_the_timeout_is_worth_another_try(texts_on, settings):
    settings.TWILIO_TIMEOUT_SECONDS = 0.3
    texts_on.delay_next(1.5, taken=False)

    with pytest.raises(sms.TextError) as raised:
        sms.provider().send(to=TO, body="hi")

    assert not raised.value.permanent
    assert "Timeout" in str(raised.value)


def test_a_timed_out_send_may_still_have_been_taken(texts_on, settings):
    # As at Twilio: the answer is lost, the text is not. A retry after a
    # timeout can send it twice (the outbox's documented window).
    settings.TWILIO_TIMEOUT_SECONDS = 0.3
    texts_on.delay_next(1.5)

    with pytest.raises(sms.TextError):
        sms.provider().send(to=TO, body="hi")
    sms.provider().send(to=TO, body="hi")

    assert [m["body"] for m in texts_on.messages] == ["hi", "hi"]


def test_the_callbacks_say_sent_then_delivered_signed_as_twilio_signs(texts_on, receiver):
    sent = sms.provider().send(to=TO, body="hi", status_callback=receiver.url())

    assert texts_on.wait_callbacks(2)
    assert [params["MessageStatus"] for _, _, params in receiver.posts] == ["sent", "delivered"]
    for path, headers, params in receiver.posts:
        assert path == "/texts/status/"
        assert params["MessageSid"] == sent.sid
        assert (params["To"], params["From"]) == (TO, FROM_NUMBER)
        assert params["AccountSid"] == texts_on.account_sid
        assert "ErrorCode" not in params
        assert sms.signature_valid(receiver.url(), params, headers["X-Twilio-Signature"])


def test_a_changed_param_or_url_breaks_the_callbacks_signature(texts_on, receiver):
    sms.provider().send(to=TO, body="hi", status_callback=receiver.url())
    assert texts_on.wait_callbacks(2)
    _, headers, params = receiver.posts[0]
    signature = headers["X-Twilio-Signature"]

    assert sms.signature_valid(receiver.url(), params, signature)
    assert not sms.signature_valid(receiver.url(), {**params, "MessageStatus": "failed"}, signature)
    assert not sms.signature_valid(receiver.url("/texts/inbound/"), params, signature)
    assert not sms.signature_valid(receiver.url(), params, "")


def test_a_signature_under_another_token_is_refused(texts_on, receiver, settings):
    sms.provider().send(to=TO, body="hi", status_callback=receiver.url())
    assert texts_on.wait_callbacks(2)
    _, headers, params = receiver.posts[0]

    settings.TWILIO_AUTH_TOKEN = "another-accounts-token"

    assert not sms.signature_valid(receiver.url(), params, headers["X-Twilio-Signature"])


@pytest.mark.parametrize(
    ("status", "expected"), [("undelivered", ["sent", "undelivered"]), ("failed", ["failed"])]
)
def test_an_undeliverable_number_gets_its_error_code_in_the_callback(
    texts_on, receiver, status, expected
):
    texts_on.undeliverable(TO, code=30006, status=status)

    sms.provider().send(to=TO, body="hi", status_callback=receiver.url())

    assert texts_on.wait_callbacks(len(expected))
    assert [params["MessageStatus"] for _, _, params in receiver.posts] == expected
    assert receiver.posts[-1][2]["ErrorCode"] == "30006"
    assert sms.TextError("x", code=30006).number_dead


def test_no_callbacks_when_they_are_off(texts_on, receiver):
    texts_on.callbacks = False

    sms.provider().send(to=TO, body="hi", status_callback=receiver.url())
    sms.provider().send(to=TO, body="again", status_callback=receiver.url())

    assert not texts_on.wait_callbacks(1, timeout=0.5)
    assert receiver.posts == []


def test_texts_are_off_without_account_token_or_sender(texts_on):
    assert sms.enabled()
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
        with override_settings(**{name: ""}):
            assert not sms.enabled()
            assert sms.provider() is None
    with override_settings(TWILIO_FROM_NUMBER="", TWILIO_MESSAGING_SERVICE_SID="MG" + "b" * 32):
        assert sms.enabled()


def test_a_webhook_is_refused_when_texts_have_no_token(settings, texts_on, receiver):
    sms.provider().send(to=TO, body="hi", status_callback=receiver.url())
    assert texts_on.wait_callbacks(2)
    _, headers, params = receiver.posts[0]

    settings.TWILIO_AUTH_TOKEN = ""

    assert not sms.signature_valid(receiver.url(), params, headers["X-Twilio-Signature"])


def test_a_worker_process_the_test_starts_sends_to_the_sink(celery_processes, texts_on):
    # What a real `celery worker` of the test (celery_processes) does to send:
    # its settings from the environment the fixture gives it.
    script = (
        "import django; django.setup(); from common import sms; "
        f"sms.provider().send(to={TO!r}, body='from the worker')"
    )
    subprocess.run(  # noqa: S603 - our interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=celery_processes.env,
        check=True,
        timeout=60,
    )

    assert [(m["to"], m["body"]) for m in texts_on.messages] == [(TO, "from the worker")]


def test_a_number_whose_owner_replied_stop_to_twilio_is_refused_for_good_but_not_dead(texts_on):
    """21610: the person opted out with Twilio itself; the number works, and
    START turns it on again (the outbox turns texts off, common.sms.OPTED_OUT)."""
    texts_on.reject_number(TO, code=21610)

    with pytest.raises(sms.TextError) as raised:
        sms.provider().send(to=TO, body="hi")

    assert raised.value.permanent and not raised.value.number_dead
    assert raised.value.code == sms.OPTED_OUT
