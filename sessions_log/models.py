import uuid
from datetime import time, timedelta

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models import Role, User

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=8)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PlaceType(models.TextChoices):
    """Where a service was given, as a claim states it."""

    OFFICE = "office", "Office"
    COMMUNITY = "community", "Community"
    HOME = "home", "Home"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"


class ServiceCode(models.Model):
    """A billing code with its modifiers (H0038, H0038-HQ for a group): a
    list admins edit. A code in use is switched off, never deleted: the
    sessions billed under it keep it. Not ServiceType, the services a coach
    ticks on a note."""

    code = models.CharField(max_length=10)
    # Two-character modifiers, as the payer wants them, e.g. "HQ" or "HQ U1".
    modifiers = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code", "modifiers"]
        constraints = [
            models.UniqueConstraint(fields=["code", "modifiers"], name="service_code_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return "-".join([self.code, *self.modifiers.split()])


class FundingProgramme(models.Model):
    """Who pays for a session (Medicaid, a grant, none): a list admins edit.
    A programme that is `billed` gets claims, sent to its payer (the
    recipient a client's consent must name: coaching.ProgrammePayer)."""

    name = models.CharField(max_length=100, unique=True)
    billed = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """A meeting between a coach and a client, planned or logged afterwards.

    Times are stored in UTC; pages show them in the viewer's time zone.
    """

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"
        TEXT = "text", "Text"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    class NoteState(models.TextChoices):
        """Where the session's paperwork stands. Kept here, on the mutable
        row, because a signed note is locked and its reviews append-only;
        the services that close sessions, sign, review and add addenda write
        it in their own transaction. It lets the busiest questions ("notes
        to finish", "waiting for co-sign") be an index range scan instead
        of aggregates over every note a team ever wrote."""

        NONE = "none", "No note due"
        TO_WRITE = "to_write", "Note missing or in draft"
        AWAITING_COSIGN = "awaiting_cosign", "Waiting for co-sign"
        RETURNED = "returned", "Returned to the coach"
        COSIGNED = "cosigned", "Co-signed"

    # Stable across reschedules so calendars update the event in place.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="coached_sessions")
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="client_sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    modality = models.CharField(max_length=20, choices=Modality.choices)
    # Where and how people meet says who is in recovery: encrypted, like
    # the words (a video link is also a way into the call).
    location = EncryptedTextField(max_length=200, blank=True)
    video_url = EncryptedTextField(max_length=500, blank=True, validators=[URLValidator()])
    # The coach's private agenda: never shown to the client.
    agenda = EncryptedTextField(blank=True, max_length=2000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = EncryptedTextField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # A database default as well: bulk loads (the benchmark) insert without it.
    note_state = models.CharField(
        max_length=20,
        choices=NoteState.choices,
        default=NoteState.NONE,
        db_default=NoteState.NONE,
    )
    # When note_state last changed: the review queue's "waiting since".
    note_state_at = models.DateTimeField(null=True, blank=True)
    # What a claim says of it (sessions_log/billing.py); fixed once its note is signed.
    place_type = models.CharField(
        max_length=20, choices=PlaceType.choices, default=PlaceType.OFFICE, db_default="office"
    )
    service_code = models.ForeignKey(
        ServiceCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    funding_programme = models.ForeignKey(
        FundingProgramme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message="A session must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at") + MIN_DURATION)
                & Q(ends_at__lte=F("starts_at") + MAX_DURATION),
                name="session_duration_5_minutes_to_8_hours",
                violation_error_message="A session lasts between 5 minutes and 8 hours.",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="session_cancel_has_time",
            ),
            ExclusionConstraint(
                name="session_coach_not_double_booked",
                expressions=[
                    ("coach", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message="The coach already has a session at that time.",
            ),
        ]
        indexes = [
            models.Index(fields=["coach", "starts_at"]),
            models.Index(fields=["client", "starts_at"]),
            models.Index(
                fields=["coach", "ends_at"],
                condition=Q(note_state="to_write"),
                name="session_note_to_write_idx",
            ),
            # The review queue (by client, for the team's clients) and the
            # dashboard's count per coach.
            models.Index(
                fields=["client", "note_state_at"],
                condition=Q(note_state="awaiting_cosign"),
                name="session_note_awaiting_idx",
            ),
            models.Index(
                fields=["coach"],
                condition=Q(note_state="awaiting_cosign"),
                name="session_awaiting_by_coach_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.get_status_display()})"

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


class ServiceType(models.Model):
    """The services a coach can tick on a note; admins edit the list."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """What a coach records about a session, in peers' words.

    A draft autosaves; once signed, Postgres refuses any change (a trigger).
    Corrections are addenda. Review by a supervisor lives in NoteReview, so
    the signed row itself never changes.
    """

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="note")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notes_written")
    services = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    goals = EncryptedTextField(
        "Goals worked on (in the client's words)", blank=True, max_length=2000
    )
    narrative = EncryptedTextField("What happened", blank=True)
    client_words = EncryptedTextField("The client's own words or takeaway", blank=True)
    next_steps = EncryptedTextField(
        "Next steps (the client sees these)", blank=True, max_length=2000
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    # Fixed at signing, with the signature (the trigger keeps them): the
    # author's credential then, the units the session's minutes came to, and
    # why the coach billed over the daily cap, if they did.
    signed_credential = models.CharField(max_length=20, blank=True, default="", db_default="")
    units = models.PositiveSmallIntegerField(null=True, blank=True)
    over_cap_reason = EncryptedTextField(blank=True, max_length=500)

    class Meta:
        indexes = [
            models.Index(fields=["author", "signed_at"]),
            models.Index(
                fields=["signed_at"], condition=Q(signed_at__isnull=False), name="note_signed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Note for session {self.session_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Addendum(models.Model):
    """A signed correction or addition to a signed note. Append-only."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum to note {self.note_id}"


class NoteReview(models.Model):
    """A supervisor co-signs a note or returns it with a comment."""

    class Decision(models.TextChoices):
        COSIGNED = "cosigned", "Co-signed"
        RETURNED = "returned", "Returned"

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = EncryptedTextField(blank=True, max_length=2000)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["note"], condition=Q(decision="cosigned"), name="note_cosigned_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} note {self.note_id}"


class CalendarFeed(models.Model):
    """A person's private iCal feed link. Only a digest of the token is kept;
    a new link replaces (revokes) the old one."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"


class Reminder(models.Model):
    """One email about one session to one person: the reminder outbox.

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
                fields=["session", "recipient", "kind"], name="reminder_one_per_kind"
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
