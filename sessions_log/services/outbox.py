"""Sending the reminder outbox.

Delivery runs from Celery (sessions_log/tasks.py): beat sweeps every minute,
leases the due rows with `FOR UPDATE SKIP LOCKED` and queues one send task
per row after commit; the task claims its row with a conditional update and
sends only if it won. Nothing is scheduled with Celery's ETA/countdown:
Redis may lose queued tasks, and the sweep queues again whatever a lease
left unfinished.

Delivery is at least once and at most twice. The one window for a duplicate
is between the SMTP server accepting the message and the UPDATE that marks
the row sent (milliseconds): a worker killed right there leaves the row
"sending"; when its lease expires the sweep sends it again.
"""

import secrets
import smtplib
import uuid
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts import emails
from accounts.models import Role
from sessions_log import hooks
from sessions_log.calendar import calendar, initials
from sessions_log.models import Reminder, ReminderPreference, Session
from sessions_log.services.reminders import (
    CHECKIN_KINDS,
    NEEDS_SCHEDULED,
    OPEN,
    Kind,
    Status,
    kind_choices,
    unsubscribe_token,
)

# ---------------------------------------------------------------- delivery


def _enqueue(pks: list[int], token: uuid.UUID) -> None:
    from sessions_log.tasks import reminder_send  # tasks import this module

    for pk in pks:
        reminder_send.apply_async((pk, str(token)), queue=settings.REMINDER_QUEUE)


def sweep_batch(now: datetime):
    """The rows one sweep transaction takes: due, oldest first, skipping rows
    another sweep holds. Served by the partial index reminder_sweep_idx."""
    return (
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(status__in=OPEN, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "deadline")[: settings.REMINDER_SWEEP_BATCH]
    )


def reminders_sweep() -> int:
    """Lease the due rows and queue a send task for each. Returns how many.

    Rows past their deadline are expired, never sent late. Concurrent sweeps
    skip each other's locked rows, so a row is leased by one of them only.
    """
    queued = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            rows = list(sweep_batch(now))
            late = [pk for pk, deadline in rows if deadline <= now]
            live = [pk for pk, deadline in rows if deadline > now]
            if late:
                Reminder.objects.filter(pk__in=late).update(status=Status.EXPIRED, lease_token=None)
            if live:
                token = uuid.uuid4()
                Reminder.objects.filter(pk__in=live).update(
                    status=Status.PENDING,
                    lease_token=token,
                    next_attempt_at=now + settings.REMINDER_LEASE,
                )
                transaction.on_commit(partial(_enqueue, live, token))
        queued += len(live)
        if len(rows) < settings.REMINDER_SWEEP_BATCH:
            return queued


def _reason_not_to_send(reminder: Reminder, now: datetime) -> str | None:
    """The status a claimed row ends in without an email, or None to send."""
    session = reminder.session
    if reminder.sequence != session.sequence:
        return Status.CANCELLED  # the session changed since; its new rows will say so
    if reminder.kind in NEEDS_SCHEDULED and session.status != Session.Status.SCHEDULED:
        return Status.CANCELLED
    if reminder.kind == Kind.CANCELLED and session.status != Session.Status.CANCELLED:
        return Status.CANCELLED
    if reminder.kind in CHECKIN_KINDS and (
        session.status != Session.Status.COMPLETED or not hooks.checkin_email.still_open(session)
    ):
        return Status.CANCELLED  # answered from the app before the email went
    if now >= reminder.deadline:
        return Status.EXPIRED
    recipient = reminder.recipient
    try:
        pref = recipient.reminder_preference  # loaded with the row
    except ReminderPreference.DoesNotExist:
        pref = ReminderPreference.defaults_for(recipient)
    if not recipient.is_active or not pref.wants(reminder.kind):
        return Status.SKIPPED
    return None


def _backoff(attempts: int) -> timedelta:
    """Exponential, capped, with jitter so a recovering SMTP server is not
    hit by every waiting reminder in the same second."""
    ceiling = min(
        settings.REMINDER_RETRY_MAX.total_seconds(),
        settings.REMINDER_RETRY_BASE.total_seconds() * 2 ** max(attempts - 1, 0),
    )
    return timedelta(seconds=secrets.SystemRandom().uniform(ceiling / 2, ceiling))


def _permanent(error: Exception) -> bool:
    """A 5xx answer will not change by retrying (unknown mailbox, refused)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def reminder_deliver(*, reminder_id: int, lease_token: str) -> str:
    """Send one leased row, if this task still holds its lease. Returns the
    row's new status, or "lost" when another task or a change got there first."""
    now = timezone.now()
    claimed = Reminder.objects.filter(
        pk=reminder_id, status=Status.PENDING, lease_token=lease_token
    ).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + settings.REMINDER_LEASE,
    )
    if not claimed:
        # Nothing got updated: the row was sent, re-leased or rewritten since.
        return "lost"
    reminder = Reminder.objects.select_related(
        "session__coach", "session__client", "recipient__reminder_preference"
    ).get(pk=reminder_id)
    # Every later write is conditional on still holding the claim: a session
    # change in the meantime rewrote the row and owns it now.
    mine = Reminder.objects.filter(pk=reminder_id, status=Status.SENDING, lease_token=lease_token)
    reason = _reason_not_to_send(reminder, now)
    if reason:
        mine.update(status=reason, lease_token=None)
        return reason
    try:
        emails.send(**reminder_email(reminder))
    except (smtplib.SMTPException, OSError) as error:
        message = f"{type(error).__name__}: {error}"[:500]
        if _permanent(error):
            mine.update(status=Status.FAILED, last_error=message, lease_token=None)
            return Status.FAILED
        retry_at = min(timezone.now() + _backoff(reminder.attempts), reminder.deadline)
        mine.update(
            status=Status.PENDING, last_error=message, lease_token=None, next_attempt_at=retry_at
        )
        return Status.PENDING
    mine.update(status=Status.SENT, sent_at=timezone.now(), lease_token=None)
    return Status.SENT


# ----------------------------------------------------------------- content

_TEMPLATES = {
    Kind.FIRST_REMINDER: "reminder",
    Kind.SECOND_REMINDER: "reminder",
    Kind.RESCHEDULED: "reminder_moved",
    Kind.CANCELLED: "reminder_cancelled",
    Kind.CHECKIN_REQUEST: "checkin_request",
    Kind.CHECKIN_REMINDER: "checkin_reminder",
}


def reminder_email(reminder: Reminder) -> dict:
    """The arguments for emails.send: what a reminder says, in the
    recipient's time zone, and nothing more. Anyone may read it over their
    shoulder: no names but the coach's first name, no program, no notes."""
    session, recipient = reminder.session, reminder.recipient
    local = session.starts_at.astimezone(ZoneInfo(recipient.time_zone))
    if recipient.pk == session.client_id:
        with_whom = session.coach.get_short_name()
        link = reverse(settings.HOME_URL_NAMES[Role.CLIENT])
    else:
        with_whom = initials(session.client.display_name) or "your client"
        link = reverse("sessions_log:session_detail", args=[session.pk])
    if reminder.kind in CHECKIN_KINDS:
        # A single-use link to the form; none when it was answered meanwhile.
        link = hooks.checkin_email.link(session) or reverse("home")
    # The link turns off the switch this email follows.
    choice = ReminderPreference.choice_for(reminder.kind)
    unsubscribe = settings.SITE_URL + reverse(
        "sessions_log:reminder_unsubscribe", args=[unsubscribe_token(recipient, choice)]
    )
    context = {
        "when": dateformat.format(local, "D j M, g:i A"),
        "when_long": dateformat.format(local, "l j F Y, g:i A"),
        "time_zone": recipient.time_zone,
        "modality": session.get_modality_display(),
        "with_whom": with_whom,
        "link": settings.SITE_URL + link,
        "unsubscribe_url": unsubscribe,
        "kind_label": dict(kind_choices(recipient.role))[choice].lower(),
    }
    attachments = []
    if reminder.kind not in CHECKIN_KINDS:
        cancelled = reminder.kind == Kind.CANCELLED
        attachments.append(
            (
                "appointment.ics",
                calendar([session], recipient, cancel=cancelled),
                "text/calendar",
            )
        )
    return {
        "template": _TEMPLATES[reminder.kind],
        "to": recipient.email,
        "context": context,
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        "attachments": attachments,
    }
