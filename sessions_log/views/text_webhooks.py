"""The provider's webhooks: texts sent to our number, and the delivery
status of the texts we sent.

Twilio posts them without cookies or a CSRF token; its signature
(X-Twilio-Signature, the account's token over the URL it requested and the
parameters) is the credential. It is checked against the public URL
(SITE_URL): behind the proxy the Host this process sees may differ. A
request unsigned, badly signed, for another account or replayed is
refused, changes nothing and is logged without the number or the text.
"""

import logging
import re

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from common import sms
from sessions_log.services import text_webhooks as services

logger = logging.getLogger(__name__)

_SID = re.compile(r"[A-Za-z0-9]{2,64}")
_STATUS = re.compile(r"[a-z_]{1,20}")
_CODE = re.compile(r"[0-9]{1,9}")
# A text is at most 10 parts of 160 characters; anything longer is not Twilio's.
_MAX_BODY = 1600


class _Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _checked(request):
    """The webhook's parameters, once it is known to be the provider's
    and for our account; raises _Refused otherwise."""
    if not sms.enabled():
        raise Http404
    url = settings.SITE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not sms.signature_valid(url, request.POST, signature):
        raise _Refused(403, "unsigned" if not signature else "bad signature")
    if request.POST.get("AccountSid") != settings.TWILIO_ACCOUNT_SID:
        raise _Refused(403, "another account")
    return request.POST


def _refusal(which: str, refused: _Refused) -> HttpResponse:
    # The reason only: never the number or the text.
    logger.warning("A %s webhook was refused (%s).", which, refused.reason)
    return HttpResponse(refused.reason, status=refused.status, content_type="text/plain")


def _twiml(replies: list[str]) -> HttpResponse:
    response = MessagingResponse()
    for reply in replies:
        response.message(reply)
    return HttpResponse(str(response), content_type="text/xml")


@csrf_exempt
@require_POST
def text_inbound(request):
    """A text someone sent to our number: STOP, START, HELP or anything
    else; answered with TwiML (the replies, or none)."""
    try:
        params = _checked(request)
        sid, from_number = params.get("MessageSid", ""), params.get("From", "").strip()
        body = params.get("Body")
        if not (_SID.fullmatch(sid) and 0 < len(from_number) <= 32) or body is None:
            raise _Refused(400, "bad parameters")
        if len(body) > _MAX_BODY:
            raise _Refused(400, "bad parameters")
        with transaction.atomic():
            if not services.text_webhook_record(key=f"inbound:{sid}"):
                raise _Refused(409, "replayed")
            replies = services.text_inbound_handle(from_number=from_number, body=body)
    except _Refused as refused:
        return _refusal("inbound", refused)
    return _twiml(replies)


@csrf_exempt
@require_POST
def text_status(request):
    """What the provider says of a text we sent: queued, sent, delivered,
    undelivered or failed (with its error code)."""
    try:
        params = _checked(request)
        sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
        code = params.get("ErrorCode", "").strip()
        if not (_SID.fullmatch(sid) and _STATUS.fullmatch(status)):
            raise _Refused(400, "bad parameters")
        if code and not _CODE.fullmatch(code):
            raise _Refused(400, "bad parameters")
        with transaction.atomic():
            if not services.text_webhook_record(key=f"status:{sid}:{status}"):
                raise _Refused(409, "replayed")
            error_code = int(code) if code else None
            services.text_status_record(sid=sid, status=status, error_code=error_code)
    except _Refused as refused:
        return _refusal("status", refused)
    return HttpResponse(status=204)
