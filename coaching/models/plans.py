"""The recovery plan a client writes with their coach.

One plan per client, whoever coaches them: a new coach continues it. The
plan as it stands (goals, steps under them, and how each step is going) is
the working draft, which the client and their coach both edit. A version is
agreed when the client confirms it (their typed name and a tick) and their
coach signs it; at that moment what was agreed is copied into AgreedGoal and
AgreedStep rows, and PostgreSQL keeps an agreed version as it was (the
triggers of migration 0007). The next change to a goal or a step opens a new
draft version; the history compares versions and lists who changed what
(PlanChange).

How a step is going (its state, "how it went") is progress, not a change to
what was agreed: it neither opens a draft nor clears a signature.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedTextField
from accounts.models import User
from sessions_log.models import Note

# The areas migration 0007 seeds, for the catalogue: a name is stored in
# English and translated where it is shown (LifeArea.label); one an admin
# adds shows as typed until the catalogue has it.
SEEDED_AREA_NAMES = [
    gettext_noop("Housing"),
    gettext_noop("Work or study"),
    gettext_noop("Health"),
    gettext_noop("Relationships"),
    gettext_noop("Supports"),
    gettext_noop("Daily living"),
]


def area_label(name: str) -> str:
    """A life area's stored name, in the reader's language."""
    return gettext(name) if name else name


class LifeArea(models.Model):
    """Where a goal sits in someone's life (housing, work or study, ...):
    a list admins edit."""

    name = models.CharField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return area_label(self.name)


class Plan(models.Model):
    """A client's recovery plan: theirs, whoever coaches them."""

    client = models.OneToOneField(User, on_delete=models.PROTECT, related_name="recovery_plan")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # When the newest agreed version was agreed, kept by the service that
    # agrees one (in its transaction): the coach's home and the team
    # dashboard ask it of every client, and a join is cheaper than finding
    # the newest version each time. LAST_AGREED_SQL recomputes it.
    last_agreed_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Recovery plan of {self.client_id}"


# What Plan.last_agreed_at holds, from the versions themselves.
LAST_AGREED_SQL = """
UPDATE coaching_plan p SET last_agreed_at = (
    SELECT max(v.agreed_at) FROM coaching_planversion v WHERE v.plan_id = p.id
)
"""


class PlanVersion(models.Model):
    """A version of the plan: the open draft (at most one), or an agreed
    one. Agreed = the client confirmed and the coach signed, in either
    order; any change to a goal or step clears the draft's signatures (they
    agreed to something else). Once agreed, a trigger refuses any change."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The client's agreement: their name as they typed it (it must match
    # the name on their account, so it says no more than that name) and
    # the tick, time stamped.
    client_name = models.CharField(max_length=200, blank=True)
    client_confirmed_at = models.DateTimeField(null=True, blank=True)
    coach_signed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coach_signed_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(agreed_at__isnull=True), name="plan_one_open_draft"
            ),
            models.CheckConstraint(
                condition=Q(agreed_at__isnull=True)
                | Q(client_confirmed_at__isnull=False, coach_signed_at__isnull=False),
                name="plan_version_agreed_by_both",
            ),
        ]
        indexes = [
            # The newest agreement of each plan: review due, no agreed plan.
            models.Index(
                fields=["plan", "agreed_at"],
                condition=Q(agreed_at__isnull=False),
                name="plan_version_agreed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of plan {self.plan_id}"

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at is not None


class Goal(models.Model):
    """A goal in the client's own words, in a life area, with why it matters."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="goals")
    area = models.ForeignKey(LifeArea, on_delete=models.PROTECT, related_name="+")
    words = EncryptedTextField("The goal, in your own words", max_length=300)
    why = EncryptedTextField("Why it matters to you", blank=True, max_length=1000)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Goal {self.pk}"


class Step(models.Model):
    """A small action towards a goal, and how it is going."""

    class Who(models.TextChoices):
        CLIENT = "client", _("The client")
        COACH = "coach", _("The coach")
        BOTH = "both", _("Both together")

    class SuggestedBy(models.TextChoices):
        CLIENT = "client", _("The client")
        COACH = "coach", _("The coach")

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        TRYING = "trying", _("Trying")
        DONE = "done", _("Done")
        LET_GO = "let_go", _("Let go")

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="steps")
    action = EncryptedTextField("The step", max_length=300)
    who = models.CharField("Who takes it", max_length=10, choices=Who.choices)
    suggested_by = models.CharField("Whose idea", max_length=10, choices=SuggestedBy.choices)
    # The client's coach when the step was added: whose suggestion it was,
    # when it was the coach's (the team dashboard's "tried" share per coach).
    coach = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_date = models.DateField("Try it by", null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.NOT_STARTED)
    how_it_went = EncryptedTextField("How it went", blank=True, max_length=500)
    state_changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # Covering (the state): the dashboard's "tried" share per coach.
            models.Index(
                fields=["coach", "created_at"],
                include=["state"],
                condition=Q(suggested_by="coach"),
                name="plan_step_suggested_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"Step {self.pk}"

    @property
    def tried(self) -> bool:
        return self.state in (self.State.TRYING, self.State.DONE)


# What an agreed version said, copied when it was agreed. Append-only.


class AgreedGoal(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="goals")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")
    # The life area's name then (the admin's list may change later).
    area = models.CharField(max_length=60)
    words = EncryptedTextField(max_length=300)
    why = EncryptedTextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "goal"], name="agreed_goal_once"),
        ]

    def __str__(self) -> str:
        return f"Goal {self.goal_id} as agreed in version {self.version_id}"


class AgreedStep(models.Model):
    agreed_goal = models.ForeignKey(AgreedGoal, on_delete=models.PROTECT, related_name="steps")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    action = EncryptedTextField(max_length=300)
    who = models.CharField(max_length=10, choices=Step.Who.choices)
    suggested_by = models.CharField(max_length=10, choices=Step.SuggestedBy.choices)
    target_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["agreed_goal", "pk"]

    def __str__(self) -> str:
        return f"Step {self.step_id} as agreed"


class PlanChange(models.Model):
    """Who changed what in a plan, and when: ids and field names, never the
    words (those are in the goals, steps and agreed versions). Append-only."""

    class What(models.TextChoices):
        GOAL_ADDED = "goal_added", _("added a goal")
        GOAL_CHANGED = "goal_changed", _("changed a goal")
        STEP_ADDED = "step_added", _("added a step")
        STEP_CHANGED = "step_changed", _("changed a step")
        STEP_PROGRESS = "step_progress", _("updated how a step is going")
        CONFIRMED = "confirmed", _("agreed to the plan")
        SIGNED = "signed", _("signed the plan")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    what = models.CharField(max_length=20, choices=What.choices)
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(
        Step, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Which fields changed (names, e.g. ["words", "area"]), or the new state.
    fields = ArrayField(models.CharField(max_length=30), default=list, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["plan", "at"])]

    def __str__(self) -> str:
        return f"{self.get_what_display()} ({self.plan_id})"


class NoteGoal(models.Model):
    """A session note records a plan goal it worked on, with optional words.
    Part of the note: fixed once the note is signed (a trigger)."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="plan_goals")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="note_links")
    words = EncryptedTextField(blank=True, max_length=300)

    class Meta:
        ordering = ["note", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["note", "goal"], name="note_goal_once"),
        ]

    def __str__(self) -> str:
        return f"Note {self.note_id} worked on goal {self.goal_id}"
