"""Sending text messages, and checking the provider's webhooks: knows no record.

A provider is anything with `send(*, to, body, status_callback) -> Sent`
that raises TextError when the message was not taken. Twilio is the one we
have, through its official library; another provider is another class with
the same method, chosen in `provider()`.

The channel is on only when the settings name an account, its token and a
sender (a number or a messaging service); `enabled()` says so, and the pages
that offer texts say when it is off.
"""

import logging
from dataclasses import dataclass
from functools import cache

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

logger = logging.getLogger(__name__)

# Twilio's error codes that mean the number itself will not take texts: it is
# not valid, cannot be reached, not a mobile, blocked, or no longer in
# service. Retrying cannot help; the number stops being used.
# https://www.twilio.com/docs/api/errors (21211, 21214, 21614, 30004, 30005, 30006).
NUMBER_DEAD = frozenset({21211, 21214, 21614, 30004, 30005, 30006})
# The number's owner replied STOP to Twilio itself (its default handling):
# texts are off, as after a STOP the app saw, until they reply START.
OPTED_OUT = 21610

# How long a send may take before it counts as the provider being down
# (settings.TWILIO_TIMEOUT_SECONDS, read when the provider is built).
SEND_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Sent:
    """The provider took the message: its id there, and its first status."""

    sid: str
    status: str


class TextError(Exception):
    """The provider did not take a message.

    `permanent` when sending it again cannot succeed (the request or the
    number is wrong); otherwise (an outage, a timeout, too many requests) it
    is worth another try later. `code` is the provider's error code, if any.
    """

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.code, self.permanent = code, permanent

    @property
    def number_dead(self) -> bool:
        return self.code in NUMBER_DEAD


class TwilioProvider:
    """Twilio's Messages API through the `twilio` library, one client (and its
    kept-open HTTPS connections) per process."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_url: str = "",
        timeout: float = SEND_TIMEOUT_SECONDS,
    ):
        self.client = Client(
            account_sid,
            auth_token,
            http_client=TwilioHttpClient(pool_connections=True, timeout=timeout),
        )
        if api_url:
            # A server that speaks Twilio's REST API elsewhere (tests, `make run`).
            self.client.api.base_url = api_url.rstrip("/")
        self.sender = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": from_number}
        )

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> Sent:
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **self.sender, **extra)
        except TwilioRestException as error:
            # 429 and 5xx: Twilio is busy or down. Any other 4xx: the request
            # (most often the number) is wrong, and will be wrong next time.
            retry = error.status == 429 or error.status >= 500
            raise TextError(
                f"Twilio {error.status} {error.code or ''}: {error.msg}".strip(),
                code=error.code,
                permanent=not retry,
            ) from error
        except (requests.RequestException, OSError) as error:
            raise TextError(f"Twilio not reached: {type(error).__name__}") from error
        return Sent(sid=message.sid, status=message.status or "queued")


def enabled() -> bool:
    return bool(
        settings.TWILIO_ACCOUNT_SID
        and settings.TWILIO_AUTH_TOKEN
        and (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID)
    )


@cache
def _twilio(account_sid, auth_token, from_number, service_sid, api_url, timeout) -> TwilioProvider:
    return TwilioProvider(
        account_sid=account_sid,
        auth_token=auth_token,
        from_number=from_number,
        messaging_service_sid=service_sid,
        api_url=api_url,
        timeout=timeout,
    )


def provider() -> TwilioProvider | None:
    """The configured provider, kept per process (per settings), or None
    when texts are off."""
    if not enabled():
        return None
    return _twilio(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_FROM_NUMBER,
        settings.TWILIO_MESSAGING_SERVICE_SID,
        settings.TWILIO_API_URL,
        settings.TWILIO_TIMEOUT_SECONDS,
    )


def signature_valid(url: str, params, signature: str) -> bool:
    """Whether a webhook came from the provider: Twilio signs the public URL
    it requested and the POST parameters with the account's token
    (X-Twilio-Signature), checked by the library's own validator."""
    if not (settings.TWILIO_AUTH_TOKEN and signature):
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)
