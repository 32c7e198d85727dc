"""Sending the reminder outbox.

Delivery runs from Celery (sessions_log/tasks.py): beat sweeps every minute,
leases the due rows with `FOR UPDATE SKIP LOCKED` and queues, after commit,
one send task per batch of up to SEND_BATCH of them. The task claims those
of its rows it still holds the lease of with one conditional UPDATE ...
RETURNING, loads them with one query, renders them, sends them one by one
over the worker process's kept-open SMTP connection (common.emails.
send_kept) and then records the outcome with a few batch UPDATEs, each
conditional on the claim. Nothing is scheduled with Celery's ETA/countdown:
Redis may lose queued tasks, and the sweep queues again whatever a lease
left unfinished.

Delivery is at least once, and a row is marked sent only after the SMTP
server accepted its message. The one window for a duplicate is between the
server accepting a message and the batch's UPDATE that marks it sent: a
worker killed there leaves its rows "sending"; when their lease expires the
sweep sends them again. So a crash at the worst moment sends each message
of that one batch (at most SEND_BATCH emails, accepted in the seconds before
the crash) twice, never more: the second send marks them with no batch after
it.
"""

import logging
import secrets
import smtplib
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role
from common import emails
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

logger = logging.getLogger(__name__)

# Rows per send task. It bounds the duplicate window above (a worker killed
# between the server's acceptance and the batch's UPDATE); larger batches
# spread the claim, the load and the final UPDATE over more emails.
SEND_BATCH = 25

# The send task, queued by name: tasks.py imports this module for its
# bodies, so this module names the task rather than importing it.
REMINDERS_SEND = "sessions_log.tasks.reminders_send"

# ---------------------------------------------------------------- delivery


def _enqueue(pks: list[int], token: uuid.UUID) -> None:
    for start in range(0, len(pks), SEND_BATCH):
        current_app.send_task(
            REMINDERS_SEND,
            args=(pks[start : start + SEND_BATCH], str(token)),
            queue=settings.REMINDER_QUEUE,
        )


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
    """Lease the due rows and queue send tasks for them, SEND_BATCH rows a
    task. Returns how many rows.

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


def _claim(reminder_ids: list[int], lease_token: str, now: datetime) -> list[int]:
    """Take those of `reminder_ids` still leased with `lease_token` and not
    yet taken: one UPDATE ... RETURNING. Row locks make it atomic: of two
    claims of the same rows (a task delivered twice), each row goes to one."""
    table = Reminder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, next_attempt_at = %s"  # noqa: S608 - our table's name
            " WHERE id = ANY(%s) AND status = %s AND lease_token = %s RETURNING id",
            [
                Status.SENDING,
                now + settings.REMINDER_LEASE,
                list(reminder_ids),
                Status.PENDING,
                uuid.UUID(str(lease_token)),
            ],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _retry_at(reminder: Reminder) -> datetime:
    return min(timezone.now() + _backoff(reminder.attempts), reminder.deadline)


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


class _Outcome:
    """What happened to each claimed row of one batch, written at the end."""

    def __init__(self):
        self.ended: dict[str, list[int]] = defaultdict(list)  # not to send: status -> rows
        self.sent: list[int] = []
        self.failed: dict[int, str] = {}  # refused for good: row -> error
        self.retry: dict[int, tuple[str, datetime]] = {}  # row -> (error, next attempt)
        self.untried: list[int] = []  # the batch ran out of time before these

    def statuses(self) -> dict[int, str]:
        done = {pk: status for status, pks in self.ended.items() for pk in pks}
        done.update(dict.fromkeys(self.sent, Status.SENT))
        done.update(dict.fromkeys(self.failed, Status.FAILED))
        done.update(dict.fromkeys([*self.retry, *self.untried], Status.PENDING))
        return done

    def record(self, claimed_by: str) -> None:
        """Write the outcome, each UPDATE conditional on still holding the
        claim: a session change in the meantime rewrote the row and owns it."""

        def mine(pks):
            return Reminder.objects.filter(
                pk__in=pks, status=Status.SENDING, lease_token=claimed_by
            )

        # The sent rows first and on their own: it is what exactly-once rests on.
        if self.sent:
            mine(self.sent).update(status=Status.SENT, sent_at=timezone.now(), lease_token=None)
        if not (self.ended or self.failed or self.retry or self.untried):
            return
        with transaction.atomic():
            for status, pks in self.ended.items():
                mine(pks).update(status=status, lease_token=None)
            by_error = defaultdict(list)
            for pk, message in self.failed.items():
                by_error[message].append(pk)
            for message, pks in by_error.items():
                mine(pks).update(status=Status.FAILED, last_error=message, lease_token=None)
            for pk, (message, retry_at) in self.retry.items():
                mine([pk]).update(
                    status=Status.PENDING,
                    last_error=message,
                    lease_token=None,
                    next_attempt_at=retry_at,
                )
            if self.untried:
                mine(self.untried).update(
                    status=Status.PENDING,
                    lease_token=None,
                    next_attempt_at=timezone.now(),
                    attempts=F("attempts") - 1,  # never tried: the claim's count undone
                )


def reminders_deliver(*, reminder_ids: list[int], lease_token: str) -> dict[int, str]:
    """Send a batch of leased rows, those this task still holds the lease of.
    Returns each row's new status, or "lost" for a row another task or a
    change of its session got to first."""
    now = timezone.now()
    started = time.monotonic()
    claimed = _claim(reminder_ids, lease_token, now)
    statuses = dict.fromkeys(reminder_ids, "lost")
    if not claimed:
        return statuses
    rows = Reminder.objects.select_related(
        "session__coach", "session__client", "recipient__reminder_preference"
    ).filter(pk__in=claimed)
    outcome = _Outcome()
    outgoing = []
    for reminder in sorted(rows, key=lambda row: row.pk):
        reason = _reason_not_to_send(reminder, now)
        if reason:
            outcome.ended[reason].append(reminder.pk)
        else:
            outgoing.append(reminder)
    # Stop starting sends well before the lease runs out: past it the sweep
    # leases the rows again, and a send after that could be a second one.
    stop_at = started + settings.REMINDER_LEASE.total_seconds() / 2
    lost_connections, down = 0, None
    try:
        for reminder in outgoing:
            if time.monotonic() >= stop_at:
                outcome.untried.append(reminder.pk)
                continue
            if down:  # the server cannot be reached: the rest wait for the next attempt
                outcome.retry[reminder.pk] = (down, _retry_at(reminder))
                continue
            try:
                message = emails.build(**reminder_email(reminder))
            except Exception as error:  # noqa: BLE001 - one bad row must not sink the batch
                logger.exception("reminder %s could not be rendered", reminder.pk)
                rendering = f"{type(error).__name__} while rendering"
                outcome.retry[reminder.pk] = (rendering, _retry_at(reminder))
                continue
            try:
                emails.send_kept(message)
            except (smtplib.SMTPException, OSError) as error:
                if _permanent(error):
                    outcome.failed[reminder.pk] = _error_text(error)
                    continue
                outcome.retry[reminder.pk] = (_error_text(error), _retry_at(reminder))
                if emails.connection_lost(error):
                    lost_connections += 1
                    if lost_connections >= 2:  # reconnected once already: it is down
                        down = _error_text(error)
                continue
            outcome.sent.append(reminder.pk)
    finally:
        # Whatever stopped the loop (a time limit, a bug), what was sent is
        # recorded as sent.
        outcome.record(lease_token)
    statuses.update(outcome.statuses())
    return statuses


def reminder_deliver(*, reminder_id: int, lease_token: str) -> str:
    """Send one leased row (a batch of one): its new status, or "lost"."""
    return reminders_deliver(reminder_ids=[reminder_id], lease_token=lease_token)[reminder_id]


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
    recipient's language and time zone, and nothing more. Anyone may read it
    over their shoulder: no names but the coach's first name, no program,
    no notes."""
    session, recipient = reminder.session, reminder.recipient
    # The words made here (dates, the kind, the modality) in the reader's
    # language, as the templates are (emails.build).
    with translation.override(emails.recipient_language(recipient.language)):
        context = _reminder_context(reminder)
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
        "language": recipient.language,
        "context": context,
        "headers": {
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        "attachments": attachments,
    }


def _reminder_context(reminder: Reminder) -> dict:
    session, recipient = reminder.session, reminder.recipient
    local = session.starts_at.astimezone(ZoneInfo(recipient.time_zone))
    if recipient.pk == session.client_id:
        with_whom = session.coach.get_short_name()
        link = reverse(settings.HOME_URL_NAMES[Role.CLIENT])
    else:
        with_whom = initials(session.client.display_name) or _("your client")
        link = reverse("sessions_log:session_detail", args=[session.pk])
    if reminder.kind in CHECKIN_KINDS:
        # A single-use link to the form; none when it was answered meanwhile.
        link = hooks.checkin_email.link(session) or reverse("home")
    # The link turns off the switch this email follows.
    choice = ReminderPreference.choice_for(reminder.kind)
    unsubscribe = settings.SITE_URL + reverse(
        "sessions_log:reminder_unsubscribe", args=[unsubscribe_token(recipient, choice)]
    )
    return {
        # Translators: a date format (Django's `date` letters) for an email subject.
        "when": dateformat.format(local, _("D j M, g:i A")),
        # Translators: a date format (Django's `date` letters) for an email's text.
        "when_long": dateformat.format(local, _("l j F Y, g:i A")),
        "time_zone": recipient.time_zone,
        "modality": session.get_modality_display(),
        "with_whom": with_whom,
        "link": settings.SITE_URL + link,
        "unsubscribe_url": unsubscribe,
        "kind_label": str(dict(kind_choices(recipient.role))[choice]).lower(),
    }
