"""Notes about sessions: the services list, the note, its addenda and the
supervisors' reviews."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models import User
from sessions_log.models.sessions import Session


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
    """A signed correction or addition to a signed note. Append-only.

    A correction of the time spent states the corrected actual start and
    minutes (`text` says why): billing reads the latest one in place of the
    session's own (sessions_log/billing.py), and `signed_at` tells a claim
    made before it that its line is out of date."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    signed_at = models.DateTimeField(default=timezone.now)
    corrected_start = models.DateTimeField(null=True, blank=True)
    corrected_minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(corrected_minutes__isnull=True, corrected_start__isnull=True)
                | Q(
                    corrected_minutes__gte=1,
                    corrected_minutes__lte=480,
                    corrected_start__isnull=False,
                ),
                name="addendum_correction_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum to note {self.note_id}"

    @property
    def is_correction(self) -> bool:
        return self.corrected_minutes is not None


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


class CoachNoteCounts(models.Model):
    """Per coach, how many of their sessions' notes are to write and how
    many wait for a co-signature (Session.note_state): the dashboards'
    counts, one row per coach instead of a walk over every such session.

    Derived data: the statement that sets a session's note state adjusts
    its coach's row in the same statement (sessions_log/services/
    note_counts.py, which also recomputes them from the sessions), and the
    nightly figures check compares, repairs and tells admins of any drift.
    Signed integers: a drifted count is repaired at night, never refused."""

    coach = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="+")
    to_write = models.IntegerField(default=0)
    waiting = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"Note counts of coach {self.coach_id}"
