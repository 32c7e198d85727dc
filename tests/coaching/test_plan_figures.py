"""The figures about plans the homes and the team dashboard will show:
reviews due, clients without an agreed plan in time, coaches' suggestions
tried. Each is a fixed number of queries, however many clients or coaches."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, User
from coaching.models import Plan, Step
from coaching.models.plans import LAST_AGREED_SQL
from coaching.selectors.plan_figures import (
    plan_due_counts_by_coach,
    plans_to_attend,
    suggested_steps_by_client,
    suggestions_tried_by_coach,
    with_plan_status,
    with_suggested_steps,
    with_suggestions_tried,
)
from coaching.services.plans import goal_change, step_add, step_progress
from tests.conftest import make_user
from tests.helpers import agree, count_queries, plan_with


def _client_of(coach, email, *, started_days_ago=0):
    person = make_user(email, Role.CLIENT)
    CaseloadAssignment.objects.create(
        coach=coach, client=person, started_at=timezone.now() - timedelta(days=started_days_ago)
    )
    return person


def _status(viewer):
    rows = with_plan_status(CaseloadAssignment.objects.filter(ended_at__isnull=True))
    return {
        row.client.email: (row.plan_review_due, row.plan_not_agreed)
        for row in rows.select_related("client")
        if row.coach_id == viewer.pk
    }


@pytest.mark.django_db
def test_a_plan_is_due_for_review_ninety_days_after_its_last_agreement(coach, settings):
    settings.PLAN_REVIEW_DAYS = 90
    fresh = _client_of(coach, "fresh@example.org", started_days_ago=200)
    old = _client_of(coach, "old@example.org", started_days_ago=200)
    for person in (fresh, old):
        plan_with(coach, person)
    with time_machine.travel(timezone.now() - timedelta(days=91)):
        agree(coach, old)
    agree(coach, fresh)

    assert _status(coach) == {
        "fresh@example.org": (False, False),
        "old@example.org": (True, False),
    }
    row = with_plan_status(CaseloadAssignment.objects.filter(client=old)).get()
    assert row.plan_review_due_at == row.plan_agreed_at + timedelta(days=90)
    # A new agreement resets it.

    goal = old.recovery_plan.goals.get()
    goal_change(actor=coach, goal=goal, area=goal.area, words="Reviewed", why=goal.why)
    agree(coach, old)
    assert _status(coach)["old@example.org"] == (False, False)


@pytest.mark.django_db
def test_a_client_without_an_agreed_plan_is_flagged_thirty_days_into_the_relationship(
    coach, settings
):
    settings.PLAN_AGREE_WITHIN_DAYS = 30
    _client_of(coach, "new@example.org", started_days_ago=29)
    _client_of(coach, "late@example.org", started_days_ago=31)
    drafted = _client_of(coach, "draft@example.org", started_days_ago=31)
    plan_with(coach, drafted)  # a draft is not an agreement

    assert _status(coach) == {
        "new@example.org": (False, False),
        "late@example.org": (False, True),
        "draft@example.org": (False, True),
    }


@pytest.mark.django_db
def test_the_list_of_plans_to_attend_is_the_coachs_caseload_or_the_supervisors_team(
    coach, supervisor, other_coach, client_user
):
    late = _client_of(coach, "late@example.org", started_days_ago=40)
    _client_of(other_coach, "elsewhere@example.org", started_days_ago=40)
    plan_with(coach, client_user)
    agree(coach, client_user)

    assert [row.client for row in plans_to_attend(coach)] == [late]
    assert [row.client for row in plans_to_attend(supervisor)] == [late]
    assert [row.client.email for row in plans_to_attend(other_coach)] == ["elsewhere@example.org"]
    assert list(plans_to_attend(User.objects.get(email=late.email))) == []


@pytest.mark.django_db
def test_due_counts_per_coach_are_one_grouped_query(coach, supervisor, admin_user):
    morgan = make_user("morgan@example.org", Role.COACH, team=coach.team)
    for number in range(3):
        _client_of(coach, f"c{number}@example.org", started_days_ago=40)
    _client_of(morgan, "m@example.org", started_days_ago=40)
    old = _client_of(morgan, "old@example.org", started_days_ago=200)
    plan_with(morgan, old)
    with time_machine.travel(timezone.now() - timedelta(days=100)):
        agree(morgan, old)

    queries, counts = count_queries(plan_due_counts_by_coach, supervisor, [coach.pk, morgan.pk])

    assert queries == 1
    assert counts == {
        coach.pk: {"review_due": 0, "not_agreed": 3},
        morgan.pk: {"review_due": 1, "not_agreed": 1},
    }
    assert plan_due_counts_by_coach(admin_user, [coach.pk])[coach.pk]["not_agreed"] == 3
    # Another team's coach is nobody's business here.
    assert plan_due_counts_by_coach(coach, [morgan.pk]) == {
        morgan.pk: {"review_due": 0, "not_agreed": 0}
    }


def _suggested(coach, client, *, tried: int, not_tried: int, client_ideas: int = 0):
    (goal,) = plan_with(coach, client, steps=0)
    for number in range(tried + not_tried + client_ideas):
        step = step_add(
            actor=coach,
            goal=goal,
            action=f"Step {number}",
            who="client",
            suggested_by="client" if number >= tried + not_tried else "coach",
        )
        if number < tried:
            step_progress(actor=client, step=step, state="trying" if number % 2 else "done")


@pytest.mark.django_db
def test_per_client_steps_the_coach_suggested_and_those_tried(coach, client_user, supervisor):
    _suggested(coach, client_user, tried=2, not_tried=3, client_ideas=4)
    other = _client_of(coach, "other@example.org")
    _suggested(coach, other, tried=0, not_tried=1)
    ids = [client_user.pk, other.pk]

    queries, figures = count_queries(suggested_steps_by_client, coach, ids)

    assert queries == 1
    assert figures == {
        client_user.pk: {"suggested": 5, "tried": 2},
        other.pk: {"suggested": 1, "tried": 0},
    }
    assert suggested_steps_by_client(supervisor, ids) == figures
    # Let go is not tried.
    step = Step.objects.filter(goal__plan__client=other).get()
    step_progress(actor=other, step=step, state="let_go")
    assert suggested_steps_by_client(coach, [other.pk])[other.pk]["tried"] == 0
    annotated = with_suggested_steps(CaseloadAssignment.objects.filter(coach=coach)).order_by("pk")
    assert [(row.steps_suggested, row.steps_tried) for row in annotated] == [(5, 2), (1, 0)]
    assert with_suggested_steps(User.objects.filter(pk=client_user.pk), "pk").get().steps_tried == 2


@pytest.mark.django_db
def test_a_client_sees_no_figures_of_another_client(client_user, other_client, other_coach):
    _suggested(other_coach, other_client, tried=1, not_tried=1)
    assert suggested_steps_by_client(client_user, [other_client.pk]) == {
        other_client.pk: {"suggested": 0, "tried": 0}
    }


@pytest.mark.django_db
def test_per_coach_the_share_of_suggestions_tried_in_the_last_ninety_days(
    coach, client_user, supervisor, other_coach, other_client
):
    with time_machine.travel(timezone.now() - timedelta(days=120)):
        _suggested(coach, client_user, tried=0, not_tried=5)  # too long ago
    second = _client_of(coach, "second@example.org")
    _suggested(coach, second, tried=3, not_tried=1, client_ideas=2)
    _suggested(other_coach, other_client, tried=1, not_tried=0)
    idle = make_user("idle@example.org", Role.COACH, team=coach.team)

    queries, shares = count_queries(
        suggestions_tried_by_coach, supervisor, [coach.pk, idle.pk, other_coach.pk]
    )

    assert queries == 1
    assert shares == {
        coach.pk: {"suggested": 4, "tried": 3, "share": 75},
        idle.pk: {"suggested": 0, "tried": 0, "share": None},
        # Another team's coach: not this supervisor's to see.
        other_coach.pk: {"suggested": 0, "tried": 0, "share": None},
    }
    annotated = with_suggestions_tried(
        User.objects.filter(pk__in=[coach.pk, idle.pk]).order_by("pk")
    )
    assert [(row.suggested_steps, row.tried_steps) for row in annotated] == [(4, 3), (0, 0)]


@pytest.mark.django_db
def test_the_figures_cost_the_same_queries_for_one_client_or_many(coach, supervisor):
    people = [
        _client_of(coach, f"p{number}@example.org", started_days_ago=40) for number in range(2)
    ]
    _suggested(coach, people[0], tried=1, not_tried=1)
    few = [
        count_queries(plan_due_counts_by_coach, supervisor, [coach.pk])[0],
        count_queries(suggested_steps_by_client, coach, [people[0].pk])[0],
        count_queries(suggestions_tried_by_coach, supervisor, [coach.pk])[0],
        count_queries(lambda: list(with_plan_status(CaseloadAssignment.objects.all())))[0],
    ]
    people += [
        _client_of(coach, f"q{number}@example.org", started_days_ago=40) for number in range(10)
    ]
    for person in people[2:]:
        _suggested(coach, person, tried=1, not_tried=2)
    ids = [person.pk for person in people]
    many = [
        count_queries(plan_due_counts_by_coach, supervisor, [coach.pk])[0],
        count_queries(suggested_steps_by_client, coach, ids)[0],
        count_queries(suggestions_tried_by_coach, supervisor, [coach.pk])[0],
        count_queries(lambda: list(with_plan_status(CaseloadAssignment.objects.all())))[0],
    ]
    assert few == many == [1, 1, 1, 1]


@pytest.mark.django_db
def test_the_kept_last_agreement_equals_the_one_recomputed_from_the_versions(coach, client_user):
    plan_with(coach, client_user)
    agree(coach, client_user)
    plan_with(coach, client_user)  # a new draft after the agreement
    kept = Plan.objects.get(client=client_user).last_agreed_at
    assert kept is not None
    with connection.cursor() as cursor:
        cursor.execute(LAST_AGREED_SQL)
    assert Plan.objects.get(client=client_user).last_agreed_at == kept
