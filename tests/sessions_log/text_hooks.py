"""Helpers of the text webhook tests: a client's confirmed number, a text
the outbox handed to the provider, and webhooks signed as Twilio signs them."""

import uuid
from datetime import timedelta
from urllib.parse import urlencode

from defusedxml import ElementTree
from django.urls import reverse
from django.utils import timezone

from sessions_log.models import TextMessage, TextNumber, number_digest

NUMBER = "+15551230001"
OTHER_NUMBER = "+15551230002"


def confirmed_number(user, number=NUMBER, **fields) -> TextNumber:
    """`user` confirmed `number` for texts a day ago, as the opt-in page does."""
    day_ago = timezone.now() - timedelta(days=1)
    values = {
        "number": number,
        "number_digest": number_digest(number),
        "code_sent_at": day_ago,
        "codes_sent": 1,
        "verified_at": day_ago,
        "consent_text": "I agree to get appointment reminders by text.",
        "consent_language": user.language,
    } | fields
    return TextNumber.objects.create(user=user, **values)


def sent_text(user, *, reminder=None, status="queued") -> TextMessage:
    """A text the outbox handed to the provider."""
    return TextMessage.objects.create(
        purpose=TextMessage.Purpose.REMINDER if reminder else TextMessage.Purpose.CODE,
        recipient=user,
        reminder=reminder,
        provider_sid="SM" + uuid.uuid4().hex,
        status=status,
    )


def inbound_params(sink, body, from_=NUMBER, **extra) -> dict:
    return {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": sink.account_sid,
        "From": from_,
        "To": "+15005550006",
        "Body": body,
        "NumSegments": "1",
    } | extra


def status_params(sink, sid, status, code=None) -> dict:
    params = {"MessageSid": sid, "AccountSid": sink.account_sid, "MessageStatus": status}
    return params | ({"ErrorCode": str(code)} if code else {})


def post_signed(client, sink, name, params, *, signature=None, signed_url=None):
    """POST `params` to the webhook `name` as Twilio does: form-encoded,
    signed over the public URL (SITE_URL + path) unless told otherwise."""
    path = reverse(name)
    if signature is None:
        signature = sink.signature(signed_url or "http://testserver" + path, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def inbound(client, sink, body, from_=NUMBER):
    """Text `body` from `from_`; returns the TwiML replies' texts."""
    response = post_signed(
        client, sink, "sessions_log:text_inbound", inbound_params(sink, body, from_)
    )
    assert response.status_code == 200, response.content
    return replies_of(response.content.decode())


def replies_of(twiml: str) -> list[str]:
    return [message.text or "" for message in ElementTree.fromstring(twiml).iter("Message")]
