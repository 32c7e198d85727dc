"""Figures kept up to date where pages would otherwise sum history (issue 30
point 5): per relationship, when its client's plan was last agreed, when
the client was last reached and their newest check-in scores; per coach
and day, the sessions completed, the no-shows and the check-ins with their
score sum.

Derived data: the services that change the history update these rows in
their own transaction (coaching/services/figures.py; the statements that
recompute them from history are coaching/services/figures_recompute.py),
and a nightly job compares, repairs and tells admins of any drift. Nothing
here is a record of its own: counts, scores and times only, no words."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from accounts.models import CaseloadAssignment, User


class RelationshipFigures(models.Model):
    """One row per relationship (CaseloadAssignment), made when it starts
    and kept after it ends."""

    assignment = models.OneToOneField(
        CaseloadAssignment, primary_key=True, on_delete=models.CASCADE, related_name="figures"
    )
    # The relationship's coach (never changes: a reassignment starts another
    # relationship), so a coach's figures are one range of the index below.
    coach = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The relationship's start and whether it is still active (its
    # assignment's started_at and ended_at is None): the dashboards read a
    # coach's active relationships from the index below alone, not joined to
    # the assignments' own index.
    started_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    # The client's plan's last agreement (Plan.last_agreed_at; None: never).
    plan_agreed_at = models.DateTimeField(null=True, blank=True)
    # The last successful contact: the end of a completed session with this
    # coach, or an attempt (by anyone) that reached the client.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    # The client's last attempt to reach them (any outcome, by anyone): the
    # pages count a quiet client's attempts of the last 14 days only where
    # this falls in them, instead of probing the attempts of every quiet
    # client (most have none).
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The relationship's newest check-in scores (TRUST_SPARKLINE_POINTS of
    # them, oldest first, as the sparklines draw them) and its last
    # check-in's time: the coach home and coach detail read them with the
    # row, not a walk of each shown relationship's check-ins.
    checkin_scores = ArrayField(models.PositiveSmallIntegerField(), default=list)
    last_checkin_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Covering: a coach's active relationships' figures from the
            # index alone (the dashboards, the coach home, coach detail), one
            # range per coach, instead of a look-up by key per relationship.
            models.Index(
                fields=["coach", "assignment"],
                include=["started_at", "plan_agreed_at", "last_contact_at", "last_attempt_at"],
                condition=models.Q(active=True),
                name="relationship_figures_active",
            ),
        ]

    def __str__(self) -> str:
        return f"Figures of relationship {self.assignment_id}"


class CoachDayFigures(models.Model):
    """One coach's day in the organisation's calendar (TIME_ZONE): sessions
    by the day they started, check-ins by the day they were made."""

    # Indexed by the unique (coach, day) below, which leads with it.
    coach = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    completed = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    checkins = models.PositiveIntegerField(default=0)
    # The sum of the check-ins' scores (0-100 each): their mean is sum / count.
    checkin_score_sum = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Covering: a coach's days' counts from the index alone.
            models.UniqueConstraint(
                fields=["coach", "day"],
                include=["completed", "no_shows", "checkins", "checkin_score_sum"],
                name="coach_day_figures_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Figures of coach {self.coach_id} on {self.day}"
