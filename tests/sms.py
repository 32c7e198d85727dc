"""Text messages in tests: the real `twilio` library against a local server
that speaks Twilio's REST API (scripts/sms_sink.py), as mail goes over real
SMTP to a server on loopback.

    sms_sink  (session): the server. .url, .account_sid, .auth_token,
              .messages (dicts: sid, to, from_, messaging_service_sid, body,
              status_callback, status, num_segments), .clear(),
              .fail_next(status=503, count=1, code=None),
              .delay_next(seconds, count=1, taken=True),
              .reject_number(number, code=21211), .undeliverable(number,
              code=30005, status="undelivered"), .callbacks = True|False,
              .callback_log (each callback posted: url, params, signature,
              answer), .wait_callbacks(count), .signature(url, params),
              .inbound_params(from_, body, to=None) (to post through Django's
              test client), .inbound(url, from_, body, to=None) ->
              (http_status, reply bodies) over real HTTP (a live server).
    texts_on  (function): the channel on against the sink, the sink cleared,
              common.sms's cached provider dropped; returns the sink. A real
              Celery worker of the same test (celery_processes) gets the same
              settings through its environment (`worker_env`).
"""

import secrets

import pytest

from common import sms
from scripts.sms_sink import SmsSink

FROM_NUMBER = "+15005550006"
HELP_PHONE = "+1 555 010 0199"


def texts_settings(sink: SmsSink) -> dict[str, str]:
    """The settings (and environment variables) that send texts to `sink`."""
    return {
        "TWILIO_ACCOUNT_SID": sink.account_sid,
        "TWILIO_AUTH_TOKEN": sink.auth_token,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_API_URL": sink.url,
        "TEXTS_HELP_PHONE": HELP_PHONE,
    }


def worker_env(request) -> dict[str, str]:
    """For a worker process a test starts (tests/conftest.py's
    celery_processes): the texts' settings when the test has texts on,
    whichever fixture came first."""
    if "texts_on" not in request.fixturenames:
        return {}
    return texts_settings(request.getfixturevalue("sms_sink"))


@pytest.fixture(scope="session")
def sms_sink():
    # A token of the run's own: a test that signs with another one fails.
    sink = SmsSink(account_sid="AC" + secrets.token_hex(16), auth_token=secrets.token_hex(16))
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def texts_on(settings, sms_sink):
    for name, value in texts_settings(sms_sink).items():
        setattr(settings, name, value)
    sms_sink.clear()
    # The provider is kept per process and per settings; a test's own
    # (another timeout, say) must not meet the one an earlier test built.
    sms._twilio.cache_clear()
    yield sms_sink
    sms._twilio.cache_clear()
