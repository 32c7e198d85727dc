"""The coaching relationship itself: trust check-ins, the flags they raise,
and clients' private requests to talk with a supervisor.

A relationship is a CaseloadAssignment: a client reassigned to another coach
starts a new one, with its own scores and baseline.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models import CaseloadAssignment, Team, User
from coaching.checkin_wording import ITEM_NAMES, statement, statements
from sessions_log.models import Session

# The five statements, in our own words, each answered 0 (not at all) to 10
# (completely). Their wording in every language lives side by side in
# coaching/checkin_wording.py; the English is the fields' verbose names. The
# field names are stable; the wording may change (in every language at once).
ITEMS = tuple(statements("en"))


def _item_field(label: str):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )


class CheckIn(models.Model):
    """A client's answers about how the coaching relationship feels."""

    assignment = models.ForeignKey(
        CaseloadAssignment, on_delete=models.PROTECT, related_name="checkins"
    )
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="checkins")
    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # The session it is about; empty for a check-in between sessions.
    session = models.OneToOneField(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="checkin"
    )
    heard = _item_field(ITEMS[0][1])
    safe = _item_field(ITEMS[1][1])
    focus = _item_field(ITEMS[2][1])
    trust = _item_field(ITEMS[3][1])
    helping = _item_field(ITEMS[4][1])
    # The mean of the five items x 10, 0-100: the same as their sum x 2.
    score = models.GeneratedField(
        expression=(F("heard") + F("safe") + F("focus") + F("trust") + F("helping")) * 2,
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    comment = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__lte": 10}), name=f"checkin_{name}_at_most_10"
            )
            for name in ITEM_NAMES
        ]
        indexes = [
            # Covering (the score; the id, the newest's tie-break): the coach
            # home's newest scores per relationship, the team dashboard's
            # trust column per coach.
            models.Index(
                fields=["assignment", "created_at"],
                include=["score", "id"],
                name="checkin_assignment_cover_idx",
            ),
            models.Index(fields=["client", "created_at"]),
            models.Index(
                fields=["coach", "created_at"], include=["score"], name="checkin_coach_cover_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk} (score {self.score})"

    def answers(self) -> list[tuple[str, int]]:
        """(statement, answer) in the reader's language: what was asked."""
        return [(statement(name), getattr(self, name)) for name in ITEM_NAMES]


class CheckInRequest(models.Model):
    """The check-in asked for after a completed session: one per session,
    open for CHECKIN_VALID_DAYS. The emailed link's token is stored as a
    digest only; the link works once."""

    session = models.OneToOneField(
        Session, on_delete=models.PROTECT, related_name="checkin_request"
    )
    assignment = models.ForeignKey(
        CaseloadAssignment, on_delete=models.PROTECT, related_name="checkin_requests"
    )
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="checkin_requests")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    token_digest = models.CharField(max_length=64, blank=True)
    checkin = models.OneToOneField(
        CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )
    # Set once the expiry has been counted towards the unanswered rule.
    expiry_counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_digest"],
                condition=~Q(token_digest=""),
                name="checkin_request_token_unique",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "created_at"])]

    def __str__(self) -> str:
        return f"Check-in request for session {self.session_id}"

    @property
    def is_open(self) -> bool:
        return self.checkin_id is None and self.expires_at > timezone.now()


class TrustFlag(models.Model):
    """A sign that trust may be slipping, for the coach and their supervisor.

    open -> acknowledged -> resolved (with a note); each step is audited. A
    rule has at most one unresolved flag per relationship: a second low score
    while one is open adds to the trend, not to the pile.
    """

    class Rule(models.TextChoices):
        LOW_SCORE = "low_score", "Low score"
        LOW_ITEM = "low_item", "A low answer"
        DROP = "drop", "Drop below their usual"
        UNANSWERED = "unanswered", "Check-ins left unanswered"
        # Raised by coaching/services/outreach.py, not by a check-in.
        NO_CONTACT = "no_contact", "No successful contact"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    assignment = models.ForeignKey(
        CaseloadAssignment, on_delete=models.PROTECT, related_name="trust_flags"
    )
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=20, choices=Rule.choices)
    # Figures only ("score 62"), never the client's words.
    detail = models.CharField(max_length=200)
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "rule"],
                condition=~Q(status="resolved"),
                name="trust_flag_one_unresolved_per_rule",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="trust_flag_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["assignment"],
                condition=~Q(status="resolved"),
                name="trust_flag_unresolved_idx",
            ),
            models.Index(
                fields=["coach", "raised_at"],
                condition=~Q(status="resolved"),
                name="trust_flag_open_by_coach_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} ({self.get_status_display()})"


class SupervisorRequest(models.Model):
    """A client's private request to talk with a supervisor about their
    coaching. Only the supervisors of the coach's team see it: never the
    coach, not even as a count."""

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    checkin = models.OneToOneField(
        CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    # Marked done by a supervisor once they have talked with the client.
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "handled_at"]),
            models.Index(fields=["coach", "handled_at"]),
        ]

    def __str__(self) -> str:
        return f"Request to talk with a supervisor ({self.pk})"

    @property
    def state(self) -> str:
        """received -> taken (a supervisor will contact the client) -> done."""
        if self.done_at:
            return "done"
        return "taken" if self.handled_at else "received"
