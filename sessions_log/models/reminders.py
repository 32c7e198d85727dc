"""The reminder outbox and each person's email choices."""

from datetime import time

from django.db import models
from django.db.models import F, Q

from accounts.models import Role, User
from sessions_log.models.sessions import Session


class Reminder(models.Model):
    """One email or text about one session to one person: the reminder outbox.

    PostgreSQL holds the truth. Scheduling, rescheduling and cancelling a
    session write these rows in the same transaction; a sweep every minute
    leases the due ones and queues a send task per row; the task claims its
    row with a conditional update and sends only if it won. There is one row
    per (session, recipient, kind): a change of the session rewrites the row
    rather than adding another, so two emails of one kind can never be
    pending for one session.

    `next_attempt_at` is when the sweep should next look at the row: the due
    time at first, the lease's expiry while leased or being sent (so work a
    crashed worker dropped is picked up again), the backoff after an SMTP
    error. `due_at` stays the planned time, which lateness is measured from.
    """

    class Kind(models.TextChoices):
        FIRST_REMINDER = "first_reminder", "Reminder before a session"
        SECOND_REMINDER = "second_reminder", "Second reminder, shortly before"
        RESCHEDULED = "rescheduled", "Notice when a session moves"
        CANCELLED = "cancelled", "Notice when a session is cancelled"
        CHECKIN_REQUEST = "checkin_request", "Check-in request after a session"
        # Follows the client's choice for check-in requests (no switch of its own).
        CHECKIN_REMINDER = "checkin_reminder", "Reminder of an unanswered check-in"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Not needed"
        SKIPPED = "skipped", "Turned off"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Email, or a text to the client's confirmed number (models/texts.py).
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    # The version of the session (Session.sequence) this email is about.
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField()
    deadline = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    lease_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "recipient", "kind", "channel"],
                name="reminder_one_per_kind_and_channel",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("due_at")), name="reminder_due_before_deadline"
            ),
        ]
        indexes = [
            # The sweep: ORDER BY next_attempt_at over the few open rows.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="reminder_sweep_idx",
            ),
            # /healthz: the oldest open row's planned time.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="reminder_open_due_idx",
            ),
            models.Index(
                fields=["-updated_at"],
                condition=Q(status__in=["failed", "expired"]),
                name="reminder_problem_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for session {self.session_id} ({self.status})"


def _default_quiet_start():
    return time(21, 0)


def _default_quiet_end():
    return time(8, 0)


# The kinds of email someone turns on and off, one switch each.
PREFERENCE_KINDS = [kind for kind in Reminder.Kind.values if kind != Reminder.Kind.CHECKIN_REMINDER]


class ReminderPreference(models.Model):
    """Which emails someone wants, and when not to send them.

    One boolean per kind in PREFERENCE_KINDS, named like the kind. Without a row the
    defaults apply: clients get every kind, coaches none until they opt in.
    Quiet hours are in the person's own time zone; both empty means none.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="reminder_preference")
    first_reminder = models.BooleanField(default=True)
    second_reminder = models.BooleanField(default=True)
    rescheduled = models.BooleanField(default=True)
    cancelled = models.BooleanField(default=True)
    checkin_request = models.BooleanField(default=True)
    # Whether these go by email too once texts are on (they always do before).
    by_email = models.BooleanField(default=True)
    quiet_start = models.TimeField(null=True, blank=True, default=_default_quiet_start)
    quiet_end = models.TimeField(null=True, blank=True, default=_default_quiet_end)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (
                    Q(quiet_start__isnull=False, quiet_end__isnull=False)
                    & ~Q(quiet_start=F("quiet_end"))
                ),
                name="reminder_quiet_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder preferences of {self.user_id}"

    @classmethod
    def defaults_for(cls, user: User) -> "ReminderPreference":
        wanted = user.role == Role.CLIENT
        return cls(user=user, **{kind: wanted for kind in PREFERENCE_KINDS})

    @staticmethod
    def choice_for(kind: str) -> str:
        """The kind whose switch decides this kind of email: the reminder of
        an unanswered check-in follows the check-in request's."""
        return Reminder.Kind.CHECKIN_REQUEST if kind == Reminder.Kind.CHECKIN_REMINDER else kind

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, self.choice_for(kind)))
