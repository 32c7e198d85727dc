"""The figures kept where pages sum history (issue 30, point 5;
coaching/services/figures.py): each service that changes the history
updates them in its transaction, the recompute statements say the same,
`figures_for_coaches` sums them as the dashboard sums history, and the
nightly job repairs drift and tells admins (counts only). The random
sequences of services are tests/coaching/test_figures_stateful.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from accounts.services.relationships import assignment_create
from coaching import tasks
from coaching.models import CheckIn, CoachDayFigures, RelationshipFigures
from coaching.selectors.figures import figures_for_coaches
from coaching.services.caseloads import client_reassign
from coaching.services.figures import figures_drift, figures_repair, relationship_figures_end
from coaching.services.figures_recompute import (
    RECOMPUTE_COACH_DAYS_SQL,
    RECOMPUTE_RELATIONSHIPS_SQL,
)
from coaching.services.outreach import outreach_attempt_log
from sessions_log.models import CoachNoteCounts, Session
from sessions_log.services.note_counts import RECOMPUTE_SQL as RECOMPUTE_NOTE_COUNTS_SQL
from sessions_log.services.sessions import session_close, session_schedule
from tests.conftest import make_user
from tests.helpers import GOOD, LOW, _submit, agree, past_contact, plan_with, text_body

NEW_YORK = "America/New_York"


def kept_coach_days() -> set[tuple]:
    return {
        (row.coach_id, row.day, row.completed, row.no_shows, row.checkins, row.checkin_score_sum)
        for row in CoachDayFigures.objects.all()
        if (row.completed, row.no_shows, row.checkins, row.checkin_score_sum) != (0, 0, 0, 0)
    }


def recomputed_coach_days() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(RECOMPUTE_COACH_DAYS_SQL, {"zone": settings.TIME_ZONE})
        return set(cursor.fetchall())


def kept_relationships() -> dict[int, tuple]:
    return {
        row.assignment_id: (
            row.coach_id,
            row.started_at,
            row.active,
            row.plan_agreed_at,
            row.last_contact_at,
            row.last_attempt_at,
            row.checkin_scores,
            row.last_checkin_at,
        )
        for row in RelationshipFigures.objects.all()
    }


def recomputed_relationships() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            RECOMPUTE_RELATIONSHIPS_SQL,
            {"ids": None, "points": settings.TRUST_SPARKLINE_POINTS},
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def kept_note_counts() -> dict[int, tuple]:
    return {
        row.coach_id: (row.to_write, row.waiting)
        for row in CoachNoteCounts.objects.all()
        if (row.to_write, row.waiting) != (0, 0)
    }


def recomputed_note_counts() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(RECOMPUTE_NOTE_COUNTS_SQL, {"coaches": None})
        return {row[0]: row[1:] for row in cursor.fetchall()}


def assert_kept_equals_recomputed() -> None:
    assert kept_coach_days() == recomputed_coach_days()
    assert kept_relationships() == recomputed_relationships()
    assert kept_note_counts() == recomputed_note_counts()
    assert not figures_drift().any


def day_of(coach) -> dict[date, tuple]:
    return {
        row.day: (row.completed, row.no_shows, row.checkins, row.checkin_score_sum)
        for row in CoachDayFigures.objects.filter(coach=coach)
    }


def relationship(client) -> RelationshipFigures:
    return RelationshipFigures.objects.get(assignment__client=client, assignment__ended_at=None)


# ------------------------------------------------------------- the updates


@pytest.mark.django_db
def test_a_session_counts_on_its_coachs_day_in_the_organisations_calendar(
    settings, coach, client_user
):
    """02:30 UTC on 8 March is still 7 March in New York: the pages'
    `starts_at__date` bucket and the figure's agree."""
    settings.TIME_ZONE = NEW_YORK
    with time_machine.travel(datetime(2026, 3, 8, 4, 0, tzinfo=UTC), tick=False):
        session = past_contact(coach, client_user, timedelta(minutes=90))
    assert day_of(coach) == {date(2026, 3, 7): (1, 0, 0, 0)}
    assert relationship(client_user).last_contact_at == session.ends_at
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_a_no_show_counts_as_a_no_show_and_is_no_contact(coach, client_user):
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as clock:
        session = session_schedule(
            actor=coach,
            client=client_user,
            starts_at=datetime(2026, 5, 4, 10, 0, tzinfo=UTC),
            duration=timedelta(hours=1),
            modality="phone",
        )
        assert day_of(coach) == {}  # a scheduled session counts for nothing yet
        clock.move_to(datetime(2026, 5, 4, 10, 20, tzinfo=UTC))
        session_close(actor=coach, session=session, status=Session.Status.NO_SHOW)
    assert day_of(coach) == {date(2026, 5, 4): (0, 1, 0, 0)}
    assert relationship(client_user).last_contact_at is None
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_two_closed_sessions_and_two_check_ins_add_up_on_the_same_day(coach, client_user):
    with time_machine.travel(datetime(2026, 5, 4, 18, 0, tzinfo=UTC), tick=False) as clock:
        past_contact(coach, client_user, timedelta(hours=6))
        latest = past_contact(coach, client_user, timedelta(hours=3))
        first = _submit(client_user)  # score 88
        clock.shift(timedelta(days=8))
        second = _submit(client_user, answers=LOW)  # score 60, a week later
    assert day_of(coach) == {
        date(2026, 5, 4): (2, 0, 1, first.score),
        date(2026, 5, 12): (0, 0, 1, second.score),
    }
    assert relationship(client_user).last_contact_at == latest.ends_at
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_a_check_in_keeps_its_relationships_newest_scores_oldest_first(
    settings, coach, client_user
):
    settings.TRUST_SPARKLINE_POINTS = 3
    start = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)
    scores = []
    with time_machine.travel(start, tick=False) as clock:
        for answers in (GOOD, LOW, {**GOOD, "focus": 2}, {**LOW, "heard": 10}):
            scores.append(_submit(client_user, answers=answers).score)
            clock.shift(timedelta(days=8))
    figures = relationship(client_user)
    assert scores == [88, 60, 76, 68]
    # The newest three, as the sparkline draws them; the last one's time.
    assert figures.checkin_scores == [60, 76, 68]
    assert figures.last_checkin_at == start + timedelta(days=24)
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_a_check_in_that_waited_for_a_later_one_keeps_the_scores_in_time_order(
    settings, coach, client_user
):
    """A check-in written after one later by time (it committed while ours
    waited for the lock), and one older by time than both but written
    first: the kept scores are the newest by time, not by writing."""
    settings.TRUST_SPARKLINE_POINTS = 2
    start = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        sessions = [past_contact(coach, client_user, timedelta(days=d)) for d in (2, 1)]
    assignment = relationship(client_user).assignment
    for session, at, answers in (
        (sessions[0], start + timedelta(minutes=10), LOW),  # 60, the newest by time
        (sessions[1], start - timedelta(days=1), {**GOOD, "focus": 2}),  # 76, the oldest
    ):
        CheckIn.objects.create(
            assignment=assignment, client=client_user, coach=coach, session=session,
            created_at=at, **answers,
        )  # fmt: skip
    figures_repair()
    assert relationship(client_user).checkin_scores == [76, 60]
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        _submit(client_user)  # 88: written last, between the two by time
    figures = relationship(client_user)
    assert figures.checkin_scores == [88, 60]
    assert figures.last_checkin_at == start + timedelta(minutes=10)
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_an_attempt_that_reached_the_client_is_their_last_contact_and_one_that_did_not_is_not(
    coach, client_user
):
    with time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        reached = outreach_attempt_log(
            actor=coach, client=client_user, channel="phone", outcome="reached"
        )
        assert relationship(client_user).last_attempt_at == reached.at
        clock.shift(timedelta(days=2))
        missed = outreach_attempt_log(
            actor=coach, client=client_user, channel="text", outcome="no_answer"
        )
    figures = relationship(client_user)
    assert figures.last_contact_at == reached.at
    # Every attempt, reached or not, is the client's last attempt.
    assert figures.last_attempt_at == missed.at
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_agreeing_a_plan_sets_every_relationship_of_the_client(
    coach, client_user, supervisor, team
):
    other = make_user("drew@example.org", Role.COACH, name="Drew Coach", team=team)
    client_reassign(
        actor=supervisor, client=client_user, new_coach=other, reason="Moved", cancel_upcoming=True
    )
    plan_with(other, client_user)
    version = agree(other, client_user)
    rows = RelationshipFigures.objects.filter(assignment__client=client_user)
    assert [row.plan_agreed_at for row in rows] == [version.agreed_at, version.agreed_at]
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_a_relationship_that_starts_keeps_the_clients_plan_and_last_contact_with_that_coach(
    coach, client_user, supervisor, team
):
    """A client who comes back to an earlier coach: the new relationship's
    figures start from history, whichever layer made it."""
    plan_with(coach, client_user)
    version = agree(coach, client_user)
    session = past_contact(coach, client_user, timedelta(hours=2))
    other = make_user("drew@example.org", Role.COACH, name="Drew Coach", team=team)
    client_reassign(
        actor=supervisor, client=client_user, new_coach=other, reason="Moved", cancel_upcoming=True
    )
    moved = relationship(client_user)
    assert (moved.plan_agreed_at, moved.last_contact_at) == (version.agreed_at, None)
    # Filed under the new coach: the pages read a coach's figures by coach.
    assert moved.coach_id == other.pk
    # The relationship that ended keeps its figures, no longer active: the
    # dashboards count a coach's active ones from the figures alone.
    first = RelationshipFigures.objects.get(assignment__client=client_user, coach=coach)
    assert (first.active, moved.active) == (False, True)
    assert moved.started_at == moved.assignment.started_at
    CaseloadAssignment.objects.filter(client=client_user, ended_at=None).update(
        ended_at=moved.assignment.started_at
    )
    relationship_figures_end(assignment_id=moved.assignment_id)
    back = assignment_create(actor=coach, coach=coach, client=client_user)
    assert (back.figures.coach_id, back.figures.plan_agreed_at, back.figures.last_contact_at) == (
        coach.pk,
        version.agreed_at,
        session.ends_at,
    )
    assert_kept_equals_recomputed()


@pytest.mark.django_db
def test_figures_filed_under_another_coach_are_drift_and_the_repair_files_them_right(
    coach, client_user, team
):
    """A coach's page reads its figures by the coach they are filed under:
    one filed under someone else would vanish from it, so the nightly check
    compares the coach too."""
    other = make_user("drew@example.org", Role.COACH, name="Drew Coach", team=team)
    RelationshipFigures.objects.filter(assignment__client=client_user).update(coach=other)
    assert figures_drift().relationships == 1

    assert tasks.figures_check() == {"coach_days": 0, "relationships": 1, "note_counts": 0}

    assert relationship(client_user).coach_id == coach.pk
    assert_kept_equals_recomputed()


# ------------------------------------------------- what the dashboard sums


@pytest.mark.django_db
def test_figures_for_coaches_equal_the_sums_over_history(settings, coach, client_user, team):
    """Over varied days (both sides of New York's midnight, a DST change),
    the figures' sums per coach equal the sessions and check-ins counted by
    the organisation's calendar, as the pages count them."""
    settings.TIME_ZONE = NEW_YORK
    other = make_user("drew@example.org", Role.COACH, name="Drew Coach", team=team)
    other_client = make_user("kim@example.org", Role.CLIENT, name="Kim Client")
    CaseloadAssignment.objects.create(coach=other, client=other_client)
    start = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    for day in range(0, 24, 3):
        with time_machine.travel(start + timedelta(days=day, hours=day % 5), tick=False) as clock:
            for who, client in ((coach, client_user), (other, other_client)):
                past_contact(who, client, timedelta(hours=1 + day % 4))
            scheduled = session_schedule(
                actor=coach,
                client=client_user,
                starts_at=timezone.now() + timedelta(minutes=5),
                duration=timedelta(minutes=30),
                modality="phone",
            )
            clock.shift(timedelta(minutes=10))
            status = Session.Status.NO_SHOW if day % 2 == 0 else Session.Status.COMPLETED
            minutes = None if status == Session.Status.NO_SHOW else 5
            session_close(
                actor=coach,
                session=scheduled,
                status=status,
                actual_start=scheduled.starts_at,
                minutes_spent=minutes,
            )
            if day % 9 == 0:
                _submit(client_user, answers=LOW)
                _submit(other_client)
    since, until = date(2026, 3, 2), date(2026, 3, 20)
    local = Q(starts_at__date__gte=since, starts_at__date__lte=until)
    expected = {}
    for pk in (coach.pk, other.pk, 999_999):
        sessions = Session.objects.filter(local, coach_id=pk).aggregate(
            completed=Count("pk", filter=Q(status="completed")),
            no_shows=Count("pk", filter=Q(status="no_show")),
        )
        checkins = CheckIn.objects.filter(
            coach_id=pk, created_at__date__gte=since, created_at__date__lte=until
        ).aggregate(checkins=Count("pk"), checkin_score_sum=Sum("score"))
        expected[pk] = {
            **sessions,
            **checkins,
            "checkin_score_sum": checkins["checkin_score_sum"] or 0,
        }
    assert figures_for_coaches([coach.pk, other.pk, 999_999], since, until) == expected
    assert expected[coach.pk]["completed"] > 0 and expected[other.pk]["checkins"] > 0


# ----------------------------------------------------------- the nightly job


@pytest.mark.django_db
def test_the_nightly_job_repairs_planted_drift_and_tells_admins_the_counts_only(
    admin_user, coach, client_user, other_client, mailbox
):
    """Counts, never a client's name or words (45 CFR 164.502(b), minimum
    necessary): anyone may read an email over the recipient's shoulder."""
    session = past_contact(coach, client_user, timedelta(hours=2))
    _submit(client_user)
    assert_kept_equals_recomputed()
    right = kept_coach_days()
    # Drift as a fault, a restore or a bulk load would leave it: a count
    # lost, a row for a day with nothing, a relationship's row missing.
    CoachDayFigures.objects.filter(coach=coach).update(completed=0)
    CoachDayFigures.objects.create(coach=coach, day=date(2020, 1, 1), completed=3)
    RelationshipFigures.objects.filter(assignment__client=other_client).delete()
    RelationshipFigures.objects.filter(assignment__client=client_user).update(
        last_contact_at=session.ends_at - timedelta(days=9)
    )
    # The coach's note to write lost, as a bulk load past the services would.
    CoachNoteCounts.objects.filter(coach=coach).update(to_write=0)
    assert figures_drift().coach_days == 2

    assert tasks.figures_check() == {"coach_days": 2, "relationships": 2, "note_counts": 1}

    assert_kept_equals_recomputed()
    assert kept_coach_days() == right
    (message,) = mailbox
    assert message["To"] == admin_user.email
    assert message["Subject"] == f"Figures repaired in {settings.APP_NAME}"
    body = text_body(message)
    assert "- coach days: 2\r\n- relationships: 2\r\n- coaches' note counts: 1" in body
    html = message.get_body(("html",)).get_content()
    for person in (client_user, other_client, coach):
        for text in (person.display_name, person.email):
            for part in (message["Subject"], body, html):
                assert text not in part


@pytest.mark.django_db
def test_the_nightly_job_writes_nothing_and_tells_nobody_when_the_figures_are_right(
    admin_user, coach, client_user, mailbox, django_assert_max_num_queries
):
    past_contact(coach, client_user, timedelta(hours=2))
    with django_assert_max_num_queries(3):  # the three comparisons, no lock
        assert tasks.figures_check() == {"coach_days": 0, "relationships": 0, "note_counts": 0}
    assert mailbox == []
    assert_kept_equals_recomputed()


def test_beat_runs_the_figures_check_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["figures-check"]
    assert entry["task"] == "coaching.tasks.figures_check"
    assert entry["schedule"].hour == {2} and entry["schedule"].day_of_month == set(range(1, 32))
