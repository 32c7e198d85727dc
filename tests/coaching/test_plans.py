"""Writing a recovery plan: goals and steps by the client and their coach,
agreement (the client confirms, the coach signs), new drafts after it,
and what each refuses."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import AgreedGoal, AgreedStep, Goal, Plan, PlanChange, PlanVersion, Step
from coaching.services.caseloads import client_reassign
from coaching.services.plans import (
    AGREED,
    ONLY_THE_CLIENT,
    goal_add,
    goal_change,
    plan_confirm,
    plan_sign,
    step_add,
    step_change,
    step_progress,
)
from tests.conftest import make_user
from tests.helpers import agree, area, draft_of, plan_with


def _snapshot():
    """Everything plan-related in the database, to show nothing changed."""
    return (
        list(Plan.objects.values()),
        list(PlanVersion.objects.values()),
        list(Goal.objects.values()),
        list(Step.objects.values()),
        PlanChange.objects.count(),
    )


@pytest.mark.django_db
def test_the_client_starts_their_plan_with_a_goal_in_their_own_words(client_user):
    goal = goal_add(
        actor=client_user, client=client_user, area=area(), words=" A place of my own ", why="Safe"
    )

    plan = Plan.objects.get(client=client_user)
    assert goal.plan == plan and goal.words == "A place of my own"
    assert list(plan.versions.values_list("number", "agreed_at")) == [(1, None)]
    assert AuditEvent.objects.filter(action="plan.goal_add", client=client_user).exists()
    assert PlanChange.objects.get(goal=goal).what == PlanChange.What.GOAL_ADDED


@pytest.mark.django_db
def test_a_step_the_coach_suggests_remembers_the_coach(coach, client_user):
    goal = goal_add(actor=client_user, client=client_user, area=area(), words="Work")
    step = step_add(
        actor=coach, goal=goal, action="Call the job centre", who="client", suggested_by="coach"
    )
    mine = step_add(
        actor=client_user, goal=goal, action="Update my CV", who="both", suggested_by="client"
    )

    assert step.coach == coach and step.state == Step.State.NOT_STARTED
    # The client's own idea still notes who their coach was at the time.
    assert mine.coach == coach and mine.suggested_by == "client"


@pytest.mark.django_db
def test_a_step_without_a_goal_is_refused_and_changes_nothing(coach, client_user):
    plan_with(coach, client_user)
    before = _snapshot()

    with pytest.raises(ValidationError, match="Choose the goal this step is for"):
        step_add(actor=coach, goal=None, action="Walk", who="client", suggested_by="coach")

    assert _snapshot() == before


@pytest.mark.django_db
def test_a_target_date_in_the_past_is_refused_on_create(coach, client_user):
    (goal,) = plan_with(coach, client_user, steps=0)
    yesterday = timezone.localdate() - timedelta(days=2)

    with pytest.raises(ValidationError, match="today or a later date"):
        step_add(
            actor=coach,
            goal=goal,
            action="Walk",
            who="client",
            suggested_by="coach",
            target_date=yesterday,
        )

    assert not Step.objects.exists()
    step_add(
        actor=coach,
        goal=goal,
        action="Walk",
        who="client",
        suggested_by="coach",
        target_date=timezone.localdate() + timedelta(days=7),
    )


@pytest.mark.django_db
def test_a_date_that_has_passed_may_stay_when_the_step_changes(coach, client_user):
    (goal,) = plan_with(coach, client_user, steps=0)
    step = step_add(
        actor=coach,
        goal=goal,
        action="Walk",
        who="client",
        suggested_by="coach",
        target_date=timezone.localdate() + timedelta(days=1),
    )
    passed = timezone.localdate() - timedelta(days=3)
    Step.objects.filter(pk=step.pk).update(target_date=passed)

    changed = step_change(
        actor=coach, step=step, action="Walk daily", who="client", target_date=passed
    )

    assert changed.action == "Walk daily" and changed.target_date == passed
    with pytest.raises(ValidationError):
        step_change(
            actor=coach,
            step=step,
            action="Walk daily",
            who="client",
            target_date=passed - timedelta(days=1),
        )


@pytest.mark.django_db
def test_nobody_writes_in_a_plan_they_may_not_edit(
    coach, client_user, other_coach, other_client, supervisor
):
    (goal,) = plan_with(coach, client_user)
    (theirs,) = plan_with(other_coach, other_client)
    before = _snapshot()

    for actor, target in [(coach, theirs), (other_client, goal), (supervisor, goal)]:
        with pytest.raises(PermissionDenied):
            step_add(actor=actor, goal=target, action="X", who="client", suggested_by="coach")
        with pytest.raises(PermissionDenied):
            goal_change(actor=actor, goal=target, area=area(), words="Mine now")
    with pytest.raises(PermissionDenied):
        goal_add(actor=coach, client=other_client, area=area(), words="Not mine")

    assert _snapshot() == before


@pytest.mark.django_db
def test_the_plan_is_agreed_when_the_client_confirms_and_the_coach_signs(coach, client_user):
    goals = plan_with(coach, client_user, goals=2, steps=2)
    version = draft_of(client_user)

    confirmed = plan_confirm(
        actor=client_user, version=version, typed_name="  robin   PARK ", confirmed=True
    )
    assert confirmed.client_confirmed_at and not confirmed.is_agreed
    signed = plan_sign(actor=coach, version=version)

    version.refresh_from_db()
    assert signed.is_agreed and version.agreed_at == version.coach_signed_at
    assert version.client_name == "robin PARK"
    assert AgreedGoal.objects.filter(version=version).count() == 2
    assert AgreedStep.objects.filter(agreed_goal__version=version).count() == 4
    assert set(AgreedGoal.objects.values_list("words", flat=True)) == {g.words for g in goals}


@pytest.mark.django_db
def test_the_coach_may_sign_first(coach, client_user):
    plan_with(coach, client_user)
    version = draft_of(client_user)
    plan_sign(actor=coach, version=version)
    assert not PlanVersion.objects.get(pk=version.pk).is_agreed

    plan_confirm(actor=client_user, version=version, typed_name="Robin Park", confirmed=True)

    assert PlanVersion.objects.get(pk=version.pk).is_agreed


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "other_client"])
def test_nobody_but_the_client_agrees_for_them(request, who, coach, client_user, other_client):
    plan_with(coach, client_user)
    version = draft_of(client_user)
    before = _snapshot()
    actor = request.getfixturevalue(who)

    with pytest.raises(ValidationError, match=ONLY_THE_CLIENT):
        plan_confirm(actor=actor, version=version, typed_name=actor.display_name, confirmed=True)

    assert _snapshot() == before


@pytest.mark.django_db
def test_the_client_must_type_their_name_and_tick(coach, client_user):
    plan_with(coach, client_user)
    version = draft_of(client_user)

    with pytest.raises(ValidationError, match="Type your name as it is on your account"):
        plan_confirm(actor=client_user, version=version, typed_name="Someone", confirmed=True)
    with pytest.raises(ValidationError, match="Tick the box"):
        plan_confirm(actor=client_user, version=version, typed_name="Robin Park", confirmed=False)

    assert PlanVersion.objects.get(pk=version.pk).client_confirmed_at is None


@pytest.mark.django_db
def test_only_their_coach_signs(coach, client_user, supervisor, other_coach):
    plan_with(coach, client_user)
    version = draft_of(client_user)
    for actor in (supervisor, other_coach, client_user):
        with pytest.raises(ValidationError, match="Only the client's coach"):
            plan_sign(actor=actor, version=version)
    assert PlanVersion.objects.get(pk=version.pk).coach_signed_at is None


@pytest.mark.django_db
def test_an_empty_plan_cannot_be_agreed(coach, client_user):
    plan = Plan.objects.create(client=client_user, created_by=coach)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=coach)
    with pytest.raises(ValidationError, match="Add at least one goal"):
        plan_sign(actor=coach, version=version)
    with pytest.raises(ValidationError, match="Add at least one goal"):
        plan_confirm(actor=client_user, version=version, typed_name="Robin Park", confirmed=True)


@pytest.mark.django_db
def test_an_agreed_version_cannot_be_agreed_or_signed_again(coach, client_user):
    plan_with(coach, client_user)
    version = agree(coach, client_user)
    before = _snapshot()

    with pytest.raises(ValidationError, match="agreed and can no longer be changed") as error:
        plan_confirm(actor=client_user, version=version, typed_name="Robin Park", confirmed=True)
    assert error.value.messages == [AGREED]
    with pytest.raises(ValidationError, match="agreed and can no longer be changed"):
        plan_sign(actor=coach, version=version)

    assert _snapshot() == before


@pytest.mark.django_db
def test_a_change_after_agreement_opens_a_new_draft_and_leaves_the_agreed_one(coach, client_user):
    (goal,) = plan_with(coach, client_user)
    first = agree(coach, client_user)

    goal_change(actor=client_user, goal=goal, area=area("Health"), words="Sleep better", why="Me")
    goal_change(actor=coach, goal=goal, area=area("Health"), words="Sleep well", why="Me")

    versions = list(PlanVersion.objects.order_by("number"))
    assert [(v.number, v.is_agreed) for v in versions] == [(1, True), (2, False)]
    assert AgreedGoal.objects.get(version=first).words == "Goal 0"
    assert Goal.objects.get(pk=goal.pk).words == "Sleep well"
    changes = PlanChange.objects.filter(what="goal_changed").order_by("pk")
    assert [(c.actor, c.version.number, c.fields) for c in changes] == [
        (client_user, 2, ["area", "words"]),
        (coach, 2, ["words"]),
    ]


@pytest.mark.django_db
def test_a_change_clears_the_signatures_of_the_draft(coach, client_user):
    (goal,) = plan_with(coach, client_user)
    version = draft_of(client_user)
    plan_confirm(actor=client_user, version=version, typed_name="Robin Park", confirmed=True)

    step_add(actor=coach, goal=goal, action="Something new", who="coach", suggested_by="coach")

    version.refresh_from_db()
    assert version.client_confirmed_at is None and version.client_name == ""
    plan_sign(actor=coach, version=version)
    assert not PlanVersion.objects.get(pk=version.pk).is_agreed  # the client agrees again


@pytest.mark.django_db
def test_progress_neither_opens_a_draft_nor_clears_a_signature(coach, client_user):
    plan_with(coach, client_user)
    agree(coach, client_user)
    step = Step.objects.get()

    step_progress(actor=client_user, step=step, state="done", how_it_went="Went well")

    step.refresh_from_db()
    assert (step.state, step.how_it_went, step.state_changed_by) == (
        "done",
        "Went well",
        client_user,
    )
    assert PlanVersion.objects.count() == 1
    with pytest.raises(ValidationError):
        step_progress(actor=client_user, step=step, state="finished")


@pytest.mark.django_db
def test_a_new_coach_continues_the_plan_and_the_former_coach_loses_it(
    coach, client_user, supervisor
):
    (goal,) = plan_with(coach, client_user)
    agree(coach, client_user)
    successor = make_user("morgan@example.org", Role.COACH, team=coach.team)
    client_reassign(
        actor=supervisor,
        client=client_user,
        new_coach=successor,
        reason="Fit",
        cancel_upcoming=False,
    )

    step = step_add(actor=successor, goal=goal, action="Meet", who="both", suggested_by="coach")

    assert step.coach == successor and Plan.objects.count() == 1
    with pytest.raises(PermissionDenied):
        goal_change(actor=coach, goal=goal, area=area(), words="Old coach")
    assert (
        CaseloadAssignment.objects.filter(client=client_user, ended_at__isnull=True).get().coach
        == successor
    )
