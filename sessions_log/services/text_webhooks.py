"""What the provider tells us by webhook: texts people send to our number
(STOP, START, HELP, anything else), how each text we sent fared, and
numbers that cannot take texts any more.

The views (sessions_log/views/text_webhooks.py) check the signature, then
call `text_webhook_record` and one of the handlers in one transaction: a
webhook is handled once, and a replay changes nothing. Nothing here keeps a
number in the clear or what a text said.
"""

import logging

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from common import emails, sms
from sessions_log import text_replies
from sessions_log.models import Reminder, TextMessage, TextNumber, TextWebhook, number_digests
from sessions_log.services.reminders import reminders_replan_upcoming

logger = logging.getLogger(__name__)

# The words carriers and Twilio treat as opting out, in and help; a text is
# a keyword only when it is the whole body (trimmed, any case).
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})

# Queued by name: tasks.py imports this module for the work itself.
TEXT_NUMBER_FAILED_EMAIL = "sessions_log.tasks.text_number_failed_email"

Status = TextMessage.Status
# Twilio's statuses of an outgoing text, in the order they can come; the
# last three are final. A callback may arrive late or twice: a status is
# recorded only if it comes after the one we have.
_ORDER = {
    Status.ACCEPTED: 0,
    Status.QUEUED: 1,
    Status.SENDING: 2,
    Status.SENT: 3,
    Status.DELIVERED: 4,
    Status.UNDELIVERED: 4,
    Status.FAILED: 4,
}
_NOT_DELIVERED = (Status.UNDELIVERED, Status.FAILED)

# What the codes seen most often mean, for the admins' failures page.
# https://www.twilio.com/docs/api/errors
ERROR_MEANINGS = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21610: "the recipient replied STOP to the carrier",
    21614: "'To' number is not a mobile number",
    30001: "queue overflow",
    30002: "account suspended",
    30003: "unreachable handset",
    30004: "message blocked",
    30005: "unknown handset",
    30006: "landline or unreachable carrier",
    30007: "filtered by the carrier",
    30008: "unknown error",
    30034: "sender not registered (A2P 10DLC)",
}


def error_text(code: int | None, status: str) -> str:
    """ "Twilio 30005: unknown handset", as the failures page shows it."""
    if code is None:
        return f"Twilio: {status}"
    return f"Twilio {code}: {ERROR_MEANINGS.get(code, 'see the Twilio error reference')}"


# ------------------------------------------------------------ replays


def text_webhook_record(*, key: str) -> bool:
    """Record that the webhook `key` is being handled; False when it was
    before (a replay). Call it inside the transaction that makes the
    change: if the change rolls back, so does the key. Two copies at once
    wait on the unique index, and the second finds the first's key."""
    try:
        with transaction.atomic():
            TextWebhook.objects.create(key=key)
    except IntegrityError:
        return False
    return True


# ------------------------------------------------------------ inbound texts


def _language_of(numbers: list[TextNumber]) -> str | None:
    # A phone shared by several people answers in its first owner's language.
    return numbers[0].user.language if numbers else None


def text_inbound_handle(*, from_number: str, body: str) -> list[str]:
    """Act on a text someone sent us and return the replies to it (none,
    or one). Everyone who gave this number is affected alike: people may
    share a phone. The body is never kept: someone in crisis may text, and
    the reply says nobody reads it."""
    keyword = body.strip().upper()
    numbers = list(
        TextNumber.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(number_digest__in=number_digests(from_number))
        .order_by("pk")
    )
    language = _language_of(numbers)
    if keyword in STOP_WORDS:
        return _stop(numbers)
    if keyword in START_WORDS:
        return _start(numbers)
    if keyword in HELP_WORDS:
        # Carriers require HELP to answer, even a number we do not know.
        return [text_replies.reply(text_replies.HELP, language)]
    if not numbers:
        # Not someone we text: answering would only invite more.
        return []
    return [text_replies.reply(text_replies.NOT_READ, language)]


def _stop(numbers: list[TextNumber]) -> list[str]:
    now = timezone.now()
    # Off by a STOP text from now on, also where the app had turned texts
    # off: the provider blocks the number after a STOP, so only START (not
    # the app's button) can turn texts on again.
    turned_off = [number for number in numbers if number.stopped_by != "text"]
    for number in turned_off:
        # Conditional on not being stopped by text already: a STOP at the
        # same moment (a retried webhook) has done it.
        was_on = number.stopped_at is None
        changed = (
            TextNumber.objects.filter(pk=number.pk)
            .exclude(stopped_by="text")
            .update(
                stopped_at=number.stopped_at or now,
                stopped_by="text",
                stop_confirmed_at=now,
                updated_at=now,
            )
        )
        if changed:
            audit_record(actor=number.user, action="texts.stop", obj=number, client=number.user)
            if was_on:
                reminders_replan_upcoming(number.user)
    if not turned_off:
        return []  # already off by text: the confirmation went then
    return [text_replies.reply(text_replies.STOPPED, _language_of(turned_off))]


def _start(numbers: list[TextNumber]) -> list[str]:
    if not numbers:
        return []
    now = timezone.now()
    can_start = [n for n in numbers if n.verified_at is not None and n.failed_at is None]
    for number in can_start:
        if number.stopped_at is None:
            continue  # already on
        TextNumber.objects.filter(pk=number.pk).update(
            stopped_at=None, stopped_by="", updated_at=now
        )
        audit_record(actor=number.user, action="texts.start", obj=number, client=number.user)
        reminders_replan_upcoming(number.user)
    if can_start:
        return [text_replies.reply(text_replies.STARTED, _language_of(can_start))]
    # Never confirmed, or found dead: only adding the number in the app helps.
    return [text_replies.reply(text_replies.NOT_STARTED, _language_of(numbers))]


# ------------------------------------------------------------ delivery status


def text_status_record(*, sid: str, status: str, error_code: int | None) -> TextMessage | None:
    """Keep what the provider says of a text we sent. Statuses never go
    back (a late "sent" after "delivered" is ignored). A reminder's text
    not delivered marks its Reminder failed, for the failures page; a code
    meaning the number is dead stops texts to it (`text_number_fail`).
    Returns the message, or None when the sid is not ours."""
    message = (
        TextMessage.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(provider_sid=sid)
        .first()
    )
    if message is None:
        logger.warning("A status callback for a text we do not know was ignored.")
        return None
    if status not in _ORDER:
        logger.info("A status callback (%s) we do not track was ignored.", status)
        return message
    if _ORDER[status] <= _ORDER.get(message.status, 0):
        return message  # late, or after a final status
    now = timezone.now()
    message.status, message.error_code = status, error_code
    TextMessage.objects.filter(pk=message.pk).update(
        status=status, error_code=error_code, updated_at=now
    )
    if status in _NOT_DELIVERED and message.reminder_id:
        # Only the row as the outbox left it: a row planned again since (a
        # moved appointment) is a new reminder, not this text.
        Reminder.objects.filter(
            pk=message.reminder_id, status__in=[Reminder.Status.SENT, Reminder.Status.SENDING]
        ).update(
            status=Reminder.Status.FAILED,
            last_error=error_text(error_code, status),
            lease_token=None,
            updated_at=now,
        )
    if status in _NOT_DELIVERED and error_code in sms.NUMBER_DEAD:
        number = TextNumber.objects.filter(user=message.recipient).first()
        if number is not None and _sent_to(number, message):
            text_number_fail(number=number, code=error_code)
    return message


def _sent_to(number: TextNumber, message: TextMessage) -> bool:
    """Whether `message` went to the number the person has now: adding a
    number sends a new code, so one given after the text was sent is
    another number, and a late failure of the old one must not stop it."""
    return number.code_sent_at is None or number.code_sent_at <= message.created_at


# ------------------------------------------------------------ dead numbers


def text_number_fail(*, number: TextNumber, code: int) -> bool:
    """The provider says `number` cannot take texts (`code` in
    common.sms.NUMBER_DEAD): stop using it, send the person's upcoming
    reminders by email again, and after commit email them why. Once: a
    number already failed changes nothing and is not emailed again (the
    outbox calls this too, when a send itself is refused). Returns whether
    it failed the number now."""
    now = timezone.now()
    with transaction.atomic():
        changed = TextNumber.objects.filter(pk=number.pk, failed_at__isnull=True).update(
            failed_at=now, failure_code=code, updated_at=now
        )
        if not changed:
            return False
        number.failed_at, number.failure_code = now, code
        audit_record(actor=None, action="texts.failed", obj=number, client=number.user)
        reminders_replan_upcoming(number.user)
        transaction.on_commit(lambda: _failed_email_queue(number.pk))
    return True


def _failed_email_queue(text_number_id: int) -> None:
    # On the reminder workers' queue, sent by name (tasks.py imports this module).
    current_app.send_task(
        TEXT_NUMBER_FAILED_EMAIL, args=(text_number_id,), queue=settings.REMINDER_QUEUE
    )


def text_number_failed_email_send(*, text_number_id: int) -> bool:
    """Email the person that texts to their number stopped, in their
    language, if the number is still the failed one and their account is
    active. Returns whether an email went. SMTP errors propagate: the task
    retries."""
    number = (
        TextNumber.objects.select_related("user")
        .filter(pk=text_number_id, failed_at__isnull=False, user__is_active=True)
        .first()
    )
    if number is None:
        return False
    emails.send(
        template="text_number_failed",
        to=number.user.email,
        language=number.user.language,
        context={
            "last_digits": number.last_digits,
            "link": settings.SITE_URL + reverse("sessions_log:text_settings"),
        },
    )
    return True


def text_number_opted_out(*, number: TextNumber) -> None:
    """A send was refused because the person replied STOP to the provider
    itself (common.sms.OPTED_OUT, Twilio's own opt-out handling): texts are
    off as after a STOP we saw. The provider confirmed it to them already."""
    with transaction.atomic():
        _stop([number])
