"""Twilio's wire format, as the local text sink (scripts/sms_sink.py) speaks
it: its error JSON, a message's JSON, the parameters of its status callbacks
and inbound posts, the segments it bills a body as, and TwiML replies."""

import re
import secrets
import xml.etree.ElementTree as ET

API_VERSION = "2010-04-01"
MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/([^/]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# The sender a messaging service picks from its pool, and the default To of
# an inbound text (the tests' TWILIO_FROM_NUMBER: Twilio's magic test number).
SERVICE_NUMBER = "+15005550006"
# Twilio's own words for the errors the sink answers with (twilio.com/docs/errors).
ERRORS = {
    20003: "Authentication Error - invalid username",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service is unavailable. Please try again",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}
CODE_OF_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")  # two septets each


def segments(body: str) -> int:
    """How many SMS segments carriers bill a body as (GSM-7, else UCS-2)."""
    if all(ch in GSM7 or ch in GSM7_EXTENDED for ch in body):
        septets = len(body) + sum(ch in GSM7_EXTENDED for ch in body)
        return 1 if septets <= 160 else -(-septets // 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def error(status: int, code: int | None) -> tuple[int, dict, float]:
    """Twilio's JSON error (its legacy shape, the one its Messages API uses):
    (status, JSON, no delay)."""
    code = code or CODE_OF_STATUS.get(status)
    answer = {
        "code": code,
        "message": ERRORS.get(code, f"Error {code or status}"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return status, answer, 0.0


def resource(message: dict, account_sid: str) -> dict:
    """The JSON Twilio answers a create with (the fields the library reads)."""
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{message['sid']}"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": message["body"],
        "date_created": message["date_created"],
        "date_sent": None,
        "date_updated": message["date_created"],
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": message["from_"] or None,
        "messaging_service_sid": message["messaging_service_sid"] or None,
        "num_media": "0",
        "num_segments": str(message["num_segments"]),
        "price": None,
        "price_unit": "USD",
        "sid": message["sid"],
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": message["to"],
        "uri": f"{uri}.json",
    }


def callback_params(message: dict, status: str, code: int | None, account_sid: str) -> dict:
    """What Twilio posts to a message's StatusCallback; ErrorCode only when
    the message did not arrive, as Twilio does."""
    params = {
        "MessageSid": message["sid"],
        "SmsSid": message["sid"],
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": account_sid,
        "To": message["to"],
        "From": message["from_"] or SERVICE_NUMBER,
        "ApiVersion": API_VERSION,
    }
    if message["messaging_service_sid"]:
        params["MessagingServiceSid"] = message["messaging_service_sid"]
    if code and status in ("undelivered", "failed"):
        params["ErrorCode"] = str(code)
    return params


def inbound_params(account_sid: str, from_: str, body: str, to: str | None = None) -> dict:
    """What Twilio posts to the app's inbound URL when `from_` texts `to`."""
    sid = new_sid()
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "To": to or SERVICE_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": str(segments(body)),
        "SmsStatus": "received",
        "ApiVersion": API_VERSION,
    }


def twiml_replies(text: str) -> list[str]:
    """The bodies of the <Message> verbs of a TwiML reply ([] when none)."""
    if not text.strip():
        return []
    # The XML is the reply of the app under test, never from outside.
    root = ET.fromstring(text)  # noqa: S314
    replies = []
    for message in root.iter("Message"):
        body = message.find("Body")
        replies.append((body.text if body is not None else message.text) or "")
    return replies


def readable(message: dict) -> str:
    """A text as `make run` prints it, like the mail sink prints an email."""
    sender = message["from_"] or f"messaging service {message['messaging_service_sid']}"
    return "\n".join(
        [
            "---------- text sink: a text ----------",
            f"To:      {message['to']}",
            f"From:    {sender}",
            f"({message['num_segments']} segment(s), {len(message['body'])} characters)",
            "",
            message["body"],
            "---------- end of text ----------",
        ]
    )
