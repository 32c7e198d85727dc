"""A client's texts, from their own page (/texts/): they give a mobile
number and tick the consent, a code is texted to it, they type it back and
texts are on; they turn texts off and on again in the app, or remove the
number.

The code is made where it is sent (text_code_deliver, run by the task
sessions_log.tasks.text_code_send after the request's transaction
commits): only its digest is kept, and no code travels through the task
queue or a log. How often codes go is counted per person in the audit
trail ("texts.code_requested"), so removing the number and giving it again
does not start the count afresh: a carrier bills every code we send, and a
page that texts any number on demand is what SMS pumping looks for.

Texts going on or off for someone re-plans their upcoming reminders in the
same transaction (reminders_replan_upcoming), so a reminder planned by text
exactly when texts are on. STOP, START and HELP by text, and numbers that
fail, are the webhooks' (sessions_log/services/text_webhooks.py).
"""

import logging
import re
import secrets
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import formats, timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from accounts.policy import takes_texts
from common import emails, sms
from sessions_log.models import TextMessage, TextNumber, number_digest
from sessions_log.services.outbox import text_status_url
from sessions_log.services.reminders import reminders_replan_upcoming
from sessions_log.services.text_bodies import SENDER_MAX, gsm7

logger = logging.getLogger(__name__)

# The task that texts the code, queued by name (tasks.py imports this module).
CODE_TASK = "sessions_log.tasks.text_code_send"
CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
# Wrong tries before a code stops working (a new one must be asked for).
CODE_TRIES = 5
# At most one code a minute, and CODES_PER_DAY in any 24 hours, per person.
CODE_INTERVAL = timedelta(minutes=1)
CODES_PER_DAY = 5
CODE_REQUESTED = "texts.code_requested"

# What people type: digits with spaces, dashes, dots or brackets, maybe a
# leading "+". Anything else (letters, extensions) is not a mobile number.
_TYPED_NUMBER = re.compile(r"\+?[\d\s().\-]+", re.ASCII)
# E.164: a country code (never 0) and at most 15 digits in all.
_E164 = re.compile(r"\+[1-9]\d{7,14}", re.ASCII)
# The US and Canada (+1): an area code that starts 2-9, then 7 digits.
_NANP = re.compile(r"\+1[2-9]\d{9}", re.ASCII)


def consent_words() -> str:
    """What the client agrees to, in the active language: shown beside the
    tick box and kept, word for word, with their number."""
    return _(
        "%(sender)s will text appointment reminders and check-in links to this number, "
        "about 2 to 4 texts a week. Message and data rates may apply. Reply STOP to stop, "
        "HELP for help. You do not have to agree to get our services."
    ) % {"sender": settings.TEXTS_SENDER_NAME}


def number_normalised(typed: str) -> str:
    """A number as the provider wants it (E.164, "+15551234567"): "+" and
    the country code, or 10 digits of a US number; spaces, dashes, dots and
    brackets are dropped. ValidationError (on "number") for anything else."""
    typed = (typed or "").strip()
    if _TYPED_NUMBER.fullmatch(typed):
        digits = re.sub(r"\D", "", typed, flags=re.ASCII)
        e164 = "+" + digits if typed.startswith("+") else "+1" + digits
        if _E164.fullmatch(e164) and (not e164.startswith("+1") or _NANP.fullmatch(e164)):
            return e164
    raise ValidationError({"number": _("Enter a mobile number like +1 555 123 4567.")})


def code_text(code: str, language: str) -> str:
    """The text that carries a code, in the reader's language, in GSM-7
    (text_bodies: an accent outside it would make the text three long)."""
    with translation.override(emails.recipient_language(language)):
        # Translators: a text message (SMS); avoid á, í, ó, ú (see text_bodies).
        wording = _("%(sender)s: your code is %(code)s. It works for 10 minutes.")
    sender = settings.TEXTS_SENDER_NAME[:SENDER_MAX]
    return gsm7(wording % {"sender": sender, "code": code})


def _code_digest(number: TextNumber, code: str) -> str:
    # Salted by the row and the moment the code was made: the same six
    # digits another time, or for someone else, give another digest.
    value = f"{number.pk}:{number.code_sent_at.isoformat()}:{code}"
    return salted_hmac("sessions_log.text_code", value, algorithm="sha256").hexdigest()


def _for_change(actor: User) -> TextNumber | None:
    """The actor's number, locked; their account row locked first, so two of
    their requests (two first numbers among them) go one after the other."""
    if not takes_texts(actor):
        raise PermissionDenied
    User.objects.select_for_update(no_key=True).filter(pk=actor.pk).first()
    return TextNumber.objects.select_for_update().filter(user=actor).first()


def _local(at, actor: User) -> str:
    return formats.date_format(at.astimezone(ZoneInfo(actor.time_zone)), "DATETIME_FORMAT")


def _code_slot_check(actor: User) -> None:
    """Refuse a code the actor may not have yet, saying when they may."""
    now = timezone.now()
    recent = AuditEvent.objects.filter(
        actor=actor, action=CODE_REQUESTED, at__gt=now - timedelta(days=1)
    ).aggregate(count=Count("pk"), first=Min("at"), last=Max("at"))
    if recent["count"] >= CODES_PER_DAY:
        again = _local(recent["first"] + timedelta(days=1), actor)
        raise ValidationError(
            _("You have asked for %(count)s codes today. You can ask again after %(when)s.")
            % {"count": CODES_PER_DAY, "when": again}
        )
    if recent["last"] and now - recent["last"] < CODE_INTERVAL:
        raise ValidationError(_("A code was sent less than a minute ago. Wait a minute first."))


def _code_requested(actor: User, row: TextNumber) -> None:
    """Count a code and have the task make and text it once this commits;
    the code before it stops working."""
    row.code_digest = ""  # the task makes the new code (text_code_deliver)
    row.code_sent_at = timezone.now()
    row.codes_sent += 1
    row.code_attempts = 0
    row.save()
    audit_record(actor=actor, action=CODE_REQUESTED, obj=row, client=actor)
    transaction.on_commit(partial(_enqueue_code, row.pk))


def _enqueue_code(text_number_id: int) -> None:
    current_app.send_task(CODE_TASK, args=(text_number_id,), queue=settings.REMINDER_QUEUE)


def _channel_on() -> None:
    if not sms.enabled():
        raise ValidationError(_("Text messages are not available here."))


@transaction.atomic
def text_number_start(*, actor: User, number: str, consent: bool) -> TextNumber:
    """Give a number for texts (a first one, or another): it waits for the
    code texted to it, and nothing else goes to it until the code comes
    back. The consent words as shown now, in the language shown, are kept."""
    _channel_on()
    e164 = number_normalised(number)
    if not consent:
        raise ValidationError({"consent": _("Tick the box to agree to get texts.")})
    current = _for_change(actor)
    if current and current.stopped_by == "text" and current.number == e164:
        raise ValidationError(_stopped_by_text())
    _code_slot_check(actor)
    was_on = current is not None and current.active
    row = current or TextNumber(user=actor)
    if row.number != e164:
        row.number, row.number_digest, row.codes_sent = e164, number_digest(e164), 0
    row.verified_at = row.stopped_at = row.stop_confirmed_at = row.failed_at = None
    row.stopped_by, row.failure_code = "", None
    row.consent_text, row.consent_language = consent_words(), translation.get_language()
    _code_requested(actor, row)
    audit_record(actor=actor, action="texts.number_given", obj=row, client=actor)
    if was_on:
        reminders_replan_upcoming(actor)  # the old number stops getting them now
    return row


@transaction.atomic
def text_number_resend(*, actor: User) -> TextNumber:
    """A new code to the number given ("Send a new code"): the old one stops
    working."""
    _channel_on()
    row = _for_change(actor)
    if row is None or row.verified_at is not None or row.failed_at is not None:
        raise ValidationError(_("There is no number waiting for a code."))
    _code_slot_check(actor)
    _code_requested(actor, row)
    return row


def text_number_confirm(*, actor: User, code: str) -> TextNumber:
    """The code typed back: right, and within CODE_VALID, texts are on (the
    consent's time) and upcoming reminders are planned by text too. A wrong
    try is counted (and kept, though the answer is an error); after
    CODE_TRIES the code is dead."""
    typed = re.sub(r"\s", "", code or "")
    if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", typed, flags=re.ASCII):
        raise ValidationError({"code": _("Enter the 6-digit code from the text.")})
    with transaction.atomic():
        row = _for_change(actor)
        problem = _code_problem(row)
        if problem is None:
            right = constant_time_compare(_code_digest(row, typed), row.code_digest)
            if right:
                _turn_on(actor, row)
                return row
            row.code_attempts += 1
            row.save(update_fields=["code_attempts", "updated_at"])
            audit_record(
                actor=actor,
                action="texts.code_wrong",
                obj=row,
                client=actor,
                outcome=AuditEvent.Outcome.DENIED,
            )
            if row.code_attempts < CODE_TRIES:
                problem = _("That code is not right. Check the text and try again.")
            else:
                problem = _(
                    "That code is not right, and it has had too many wrong tries. Send a new code."
                )
    # Outside the transaction: the wrong try stays counted.
    raise ValidationError({"code": problem})


def _code_problem(row: TextNumber | None) -> str | None:
    if row is None or row.verified_at is not None:
        return _("There is no code waiting to be confirmed.")
    if row.failed_at is not None:
        return _("Texts to this number could not be delivered.")
    if not row.code_digest:
        return _("The code has not been sent yet. Wait a moment, or send a new code.")
    if row.code_attempts >= CODE_TRIES:
        return _("That code has had too many wrong tries. Send a new code.")
    if timezone.now() - row.code_sent_at > CODE_VALID:
        return _("That code has expired: a code works for 10 minutes. Send a new code.")
    return None


def _turn_on(actor: User, row: TextNumber) -> None:
    row.verified_at = timezone.now()
    row.code_digest, row.code_attempts = "", 0
    row.stopped_at, row.stopped_by, row.stop_confirmed_at = None, "", None
    row.save()
    audit_record(actor=actor, action="texts.opt_in", obj=row, client=actor)
    reminders_replan_upcoming(actor)


def _stopped_by_text() -> str:
    return _("You replied STOP by text. To get texts again, reply START to %(number)s.") % {
        "number": sending_number()
    }


def sending_number() -> str:
    """The number texts come from, for "reply START to ..." (none when a
    messaging service sends: the client replies to the number they see)."""
    return settings.TWILIO_FROM_NUMBER or _("the number our texts come from")


@transaction.atomic
def text_number_stop(*, actor: User) -> TextNumber:
    """Turn texts off in the app; reminders go by email again."""
    row = _for_change(actor)
    if row is None or not row.active:
        raise ValidationError(_("Texts are not on."))
    row.stopped_at, row.stopped_by = timezone.now(), "app"
    row.save()
    audit_record(actor=actor, action="texts.stop", obj=row, client=actor)
    reminders_replan_upcoming(actor)
    return row


@transaction.atomic
def text_number_resume(*, actor: User) -> TextNumber:
    """Turn texts on again after turning them off in the app. Not after a
    STOP by text (carriers want START by text then), nor to a number that
    failed."""
    row = _for_change(actor)
    if row is None or row.stopped_at is None or row.verified_at is None:
        raise ValidationError(_("Texts are not turned off."))
    if row.failed_at is not None:
        raise ValidationError(_("Texts to this number could not be delivered."))
    if row.stopped_by != "app":
        raise ValidationError(_stopped_by_text())
    row.stopped_at, row.stopped_by = None, ""
    row.save()
    audit_record(actor=actor, action="texts.resume", obj=row, client=actor)
    reminders_replan_upcoming(actor)
    return row


@transaction.atomic
def text_number_remove(*, actor: User) -> None:
    """Forget the number (and with it the consent): texts are off."""
    row = _for_change(actor)
    if row is None:
        raise ValidationError(_("There is no number to remove."))
    audit_record(actor=actor, action="texts.remove", obj=row, client=actor)
    row.delete()
    reminders_replan_upcoming(actor)


# ---------------------------------------------------------------- the task


def text_code_deliver(*, text_number_id: int) -> str:
    """Make the code and text it: "sent", or why not ("not wanted": no code
    is waiting to be made, e.g. the task ran twice; "off"; "failed").

    The row is claimed by a conditional update that writes the digest: only
    one run texts a code per request. The code exists only in this
    function and the text; a provider error is logged without the number
    or the message, and the page offers "Send a new code"."""
    if not sms.enabled():
        return "off"
    row = TextNumber.objects.select_related("user").filter(pk=text_number_id).first()
    if row is None or row.verified_at is not None or row.failed_at or row.code_digest:
        return "not wanted"
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    digest = _code_digest(row, code)
    claimed = TextNumber.objects.filter(
        pk=row.pk, code_digest="", code_sent_at=row.code_sent_at, verified_at__isnull=True
    ).update(code_digest=digest)
    if not claimed:
        return "not wanted"  # another run, or a newer request, got there first
    try:
        sent = sms.provider().send(
            to=row.number,
            body=code_text(code, row.user.language),
            status_callback=text_status_url(),
        )
    except sms.TextError as error:
        logger.warning(
            "Code text for text number %s not taken (code %s, permanent %s)",
            row.pk,
            error.code,
            error.permanent,
        )
        return "failed"
    TextMessage.objects.create(
        purpose=TextMessage.Purpose.CODE,
        recipient=row.user,
        provider_sid=sent.sid,
        status=sent.status,
    )
    return "sent"
