"""The statements that recompute the kept figures from history, compare and
repair them (coaching/services/figures_recompute.py), on what a
relationship's newest check-in scores are: the newest by time, ties by the
order the check-ins were written (id), oldest first, as many as the
sparklines draw; a kept list that differs is drift and the repair writes
history's. The services' own updates are tests/coaching/test_figures.py."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from coaching.models import CheckIn, RelationshipFigures
from coaching.services.figures import figures_drift, figures_repair
from coaching.services.figures_recompute import RECOMPUTE_RELATIONSHIPS_SQL
from tests.helpers import GOOD, LOW
from tests.helpers import past_contact as contact

AT = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)


def _recomputed(assignment_id: int, points: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(RECOMPUTE_RELATIONSHIPS_SQL, {"ids": [assignment_id], "points": points})
        (row,) = cursor.fetchall()
    # The last two columns: the newest scores, the last check-in's time.
    return row[-2], row[-1]


def _checkins(coach, client_user, plan: list[tuple[datetime, dict]]) -> int:
    """Check-ins of the client's relationship at the times and answers of
    `plan`, in that order (one per session of its own)."""
    assignment = RelationshipFigures.objects.get(assignment__client=client_user).assignment
    for n, (at, answers) in enumerate(plan):
        session = contact(coach, client_user, timedelta(days=1, hours=n))
        CheckIn.objects.create(
            assignment=assignment, client=client_user, coach=coach, session=session,
            created_at=at, **answers,
        )  # fmt: skip
    return assignment.pk


@pytest.mark.django_db
def test_the_newest_scores_are_by_time_then_by_writing_oldest_first(coach, client_user):
    pk = _checkins(
        coach,
        client_user,
        [
            (AT, GOOD),  # 88
            (AT + timedelta(days=2), LOW),  # 60: the newest by time, written second
            (AT, {**GOOD, "focus": 2}),  # 76: the same time as the first, written after it
            (AT - timedelta(days=9), {**LOW, "heard": 10}),  # 68: the oldest
        ],
    )
    assert _recomputed(pk, 8) == ([68, 88, 76, 60], AT + timedelta(days=2))
    # Cut to the newest three, then two: the tie keeps its order of writing.
    assert _recomputed(pk, 3) == ([88, 76, 60], AT + timedelta(days=2))
    assert _recomputed(pk, 2) == ([76, 60], AT + timedelta(days=2))


@pytest.mark.django_db
def test_a_relationship_without_check_ins_keeps_no_scores(coach, client_user):
    figures = RelationshipFigures.objects.get(assignment__client=client_user)
    assert _recomputed(figures.pk, 8) == ([], None)
    assert (figures.checkin_scores, figures.last_checkin_at) == ([], None)


@pytest.mark.django_db
def test_kept_scores_that_differ_are_drift_and_the_repair_writes_historys(coach, client_user):
    pk = _checkins(coach, client_user, [(AT, GOOD), (AT + timedelta(days=1), LOW)])
    figures_repair()
    assert not figures_drift().any
    RelationshipFigures.objects.filter(pk=pk).update(checkin_scores=[60, 88])
    assert figures_drift().relationships == 1
    RelationshipFigures.objects.filter(pk=pk).update(checkin_scores=[88, 60], last_checkin_at=AT)
    assert figures_drift().relationships == 1
    assert figures_repair().relationships == 1
    kept = RelationshipFigures.objects.get(pk=pk)
    assert (kept.checkin_scores, kept.last_checkin_at) == ([88, 60], AT + timedelta(days=1))
    assert not figures_drift().any
