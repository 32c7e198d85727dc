"""Sending the reminder outbox.

Delivery runs from Celery (sessions_log/tasks.py): beat sweeps every minute,
leases the due rows with `FOR UPDATE SKIP LOCKED` and queues, after commit,
one send task per batch of up to SEND_BATCH of them. The task claims those
of its rows it still holds the lease of with one conditional UPDATE ...
RETURNING, loads them with one query, renders them, sends them one by one
(an email over the worker process's kept-open SMTP connection, common.
emails.send_kept; a text through the provider's API over its kept-open
HTTPS connection, common.sms) and then records the outcome with a few batch
UPDATEs, each conditional on the claim. Nothing is scheduled with Celery's ETA/countdown:
Redis may lose queued tasks, and the sweep queues again whatever a lease
left unfinished.

Delivery is at least once, and a row is marked sent only after the SMTP
server (or the text provider) accepted its message. The one window for a
duplicate is between the server accepting a message and the batch's UPDATE
that marks it sent: a
worker killed there leaves its rows "sending"; when their lease expires the
sweep sends them again. So a crash at the worst moment sends each message
of that one batch (at most SEND_BATCH emails or texts, accepted in the
seconds before the crash) twice, never more: the second send marks them with no batch after
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

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from common import emails, sms
from sessions_log import hooks
from sessions_log.models import Reminder, ReminderPreference, Session, TextMessage, TextNumber
from sessions_log.services.reminder_emails import reminder_email
from sessions_log.services.reminders import (
    CHECKIN_KINDS,
    NEEDS_SCHEDULED,
    OPEN,
    Channel,
    Kind,
    Status,
)
from sessions_log.services.text_bodies import reminder_text
from sessions_log.services.text_webhooks import text_number_fail, text_number_opted_out

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
    if reminder.channel == Channel.TEXT and not _texts_reach(recipient):
        return Status.SKIPPED  # stopped, failed or removed since it was planned
    return None


def _texts_reach(recipient) -> bool:
    try:
        number = recipient.text_number  # loaded with the row
    except TextNumber.DoesNotExist:
        return False
    return number.active and sms.enabled()


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
        self.dead_numbers: dict[int, int] = {}  # TextNumber id -> the provider's error code
        self.opted_out: list[int] = []  # TextNumber ids whose owner replied STOP to the provider

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
        for number_id, code in self.dead_numbers.items():
            text_number_fail(number=TextNumber.objects.get(pk=number_id), code=code)
        for number in TextNumber.objects.select_related("user").filter(pk__in=self.opted_out):
            text_number_opted_out(number=number)
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
        "session__coach",
        "session__client",
        "recipient__reminder_preference",
        "recipient__text_number",
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
    mail, texts = _Channel(), _Channel()
    try:
        for reminder in outgoing:
            if time.monotonic() >= stop_at:
                outcome.untried.append(reminder.pk)
                continue
            channel = texts if reminder.channel == Channel.TEXT else mail
            if channel.down:  # it cannot be reached: the rest wait for the next attempt
                outcome.retry[reminder.pk] = (channel.down, _retry_at(reminder))
                continue
            send = _text_send if channel is texts else _email_send
            send(reminder, outcome, channel)
    finally:
        # Whatever stopped the loop (a time limit, a bug), what was sent is
        # recorded as sent.
        outcome.record(lease_token)
    statuses.update(outcome.statuses())
    return statuses


class _Channel:
    """A batch's view of one way out: it is `down` (the error) after two
    failures to reach it, and the batch's other rows on it wait."""

    def __init__(self):
        self.unreachable, self.down = 0, None

    def unreached(self, error: Exception) -> None:
        self.unreachable += 1
        if self.unreachable >= 2:  # reconnected or retried once already
            self.down = _error_text(error)


def _rendering_failed(reminder: Reminder, outcome: "_Outcome", error: Exception) -> None:
    logger.exception("reminder %s could not be rendered", reminder.pk)
    rendering = f"{type(error).__name__} while rendering"
    outcome.retry[reminder.pk] = (rendering, _retry_at(reminder))


def _email_send(reminder: Reminder, outcome: "_Outcome", channel: _Channel) -> None:
    try:
        message = emails.build(**reminder_email(reminder))
    except Exception as error:  # noqa: BLE001 - one bad row must not sink the batch
        _rendering_failed(reminder, outcome, error)
        return
    try:
        emails.send_kept(message)
    except (smtplib.SMTPException, OSError) as error:
        if _permanent(error):
            outcome.failed[reminder.pk] = _error_text(error)
            return
        outcome.retry[reminder.pk] = (_error_text(error), _retry_at(reminder))
        if emails.connection_lost(error):
            channel.unreached(error)
        return
    outcome.sent.append(reminder.pk)


def _text_send(reminder: Reminder, outcome: "_Outcome", channel: _Channel) -> None:
    number = reminder.recipient.text_number  # loaded with the row
    try:
        body = reminder_text(reminder)
    except Exception as error:  # noqa: BLE001 - one bad row must not sink the batch
        _rendering_failed(reminder, outcome, error)
        return
    try:
        sent = sms.provider().send(to=number.number, body=body, status_callback=text_status_url())
    except sms.TextError as error:
        if error.permanent:
            outcome.failed[reminder.pk] = _error_text(error)
            if error.number_dead:
                outcome.dead_numbers[number.pk] = error.code
            elif error.code == sms.OPTED_OUT:
                outcome.opted_out.append(number.pk)
            return
        outcome.retry[reminder.pk] = (_error_text(error), _retry_at(reminder))
        channel.unreached(error)
        return
    outcome.sent.append(reminder.pk)
    # Kept at once, not with the batch's outcome: the provider's first
    # delivery report can come back within a second, and a report of a text
    # we do not know yet would be lost.
    TextMessage.objects.create(
        purpose=TextMessage.Purpose.REMINDER,
        recipient_id=reminder.recipient_id,
        reminder_id=reminder.pk,
        provider_sid=sent.sid,
        status=sent.status,
    )


def text_status_url() -> str:
    """Where the provider reports each text's delivery (sessions_log:text_status)."""
    return settings.SITE_URL + reverse("sessions_log:text_status")


def reminder_deliver(*, reminder_id: int, lease_token: str) -> str:
    """Send one leased row (a batch of one): its new status, or "lost"."""
    return reminders_deliver(reminder_ids=[reminder_id], lease_token=lease_token)[reminder_id]
