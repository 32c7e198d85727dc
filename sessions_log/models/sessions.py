"""Sessions: a meeting between a coach and a client, planned or logged."""

import uuid
from datetime import timedelta

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedTextField
from accounts.models import User
from sessions_log.models.billing import FundingProgramme, PlaceType, ServiceCode

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=8)
MAX_MINUTES_SPENT = 480


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class SessionGroup(models.Model):
    """One group session (H0038-HQ): one Session row per client, all with
    the same coach, time and place, each with its own attendance, minutes
    and note. The group ties them together for the coach; a client sees
    only their own row, never who else was there."""

    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="session_groups")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Group session {self.pk}"


class Session(models.Model):
    """A meeting between a coach and a client, planned or logged afterwards.

    Times are stored in UTC; pages show them in the viewer's time zone.
    """

    class Modality(models.TextChoices):
        # Shown to clients (their pages, emails and calendar files).
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")
        TEXT = "text", _("Text")

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
    # What really happened, confirmed by the coach when the session is closed
    # or logged (the booking is only the default): what units and claims
    # count. Corrected after signing by an addendum (Addendum.corrected_*).
    actual_start = models.DateTimeField(null=True, blank=True)
    minutes_spent = models.PositiveSmallIntegerField(null=True, blank=True)
    # The group session this row is one client's part of (None: one-to-one).
    # (Not `group`: coaching's counting subqueries annotate a `group`.)
    session_group = models.ForeignKey(
        SessionGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
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
                condition=Q(minutes_spent__isnull=True)
                | Q(minutes_spent__gte=1, minutes_spent__lte=MAX_MINUTES_SPENT),
                name="session_minutes_spent_1_to_480",
                violation_error_message="Minutes spent are between 1 and 480 (8 hours).",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="session_cancel_has_time",
            ),
            # A coach is in one session at a time, except the rows of one
            # group session, which share their time: the group's id (a
            # one-to-one session's own negated id, unique) must differ.
            ExclusionConstraint(
                name="session_coach_not_double_booked",
                expressions=[
                    ("coach", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    (Coalesce("session_group", -F("id")), RangeOperators.NOT_EQUAL),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message="The coach already has a session at that time.",
            ),
        ]
        indexes = [
            # Covering: the dashboard counts a coach's sessions of 30 days by
            # status from the index alone.
            models.Index(
                fields=["coach", "starts_at"], include=["status"], name="session_coach_starts_idx"
            ),
            models.Index(fields=["client", "starts_at"]),
            # A coach's notes to write, covering: the coach's page lists the
            # overdue ones (client, start) from the index alone.
            models.Index(
                fields=["coach", "ends_at"],
                include=["id", "client", "starts_at"],
                condition=Q(note_state="to_write"),
                name="session_to_write_cover_idx",
            ),
            # The review queue (by client, for the team's clients), covering:
            # its rows come from the index alone. The dashboard's count per
            # coach is the next one.
            models.Index(
                fields=["client", "note_state_at"],
                include=["id", "coach", "starts_at"],
                condition=Q(note_state="awaiting_cosign"),
                name="session_awaiting_cover_idx",
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
