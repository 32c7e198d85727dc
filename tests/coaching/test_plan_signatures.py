"""Agreeing to a plan and signing it bind to what was read: each carries the
revision of the draft the reader was shown (a digest of everything the agreed
copy keeps), and a draft that changed since is refused with "The plan
changed: read it again.", nothing agreed or signed. Progress on a step is
not part of what is agreed and leaves the revision as it was."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from coaching.models import AgreedGoal, LifeArea, PlanVersion, Step
from coaching.selectors.plans import plan_page
from coaching.services.plan_signatures import CHANGED, plan_revision
from coaching.services.plans import (
    goal_change,
    plan_confirm,
    plan_sign,
    step_add,
    step_change,
    step_progress,
)
from common.dates import local_today
from tests.helpers import draft_of, plan_with


def shown(reader, client) -> str:
    """The revision the plan page shows `reader` now (what its forms post)."""
    return plan_revision(plan_page(reader, client)["goals"])


def _version_state(version):
    return PlanVersion.objects.filter(pk=version.pk).values(
        "client_confirmed_at", "coach_signed_at", "agreed_at"
    )[0]


@pytest.mark.django_db
def test_the_client_cannot_agree_to_words_the_coach_changed_after_they_read_them(
    coach, client_user
):
    """The finding: the coach changed a goal after the client opened the
    page; the client's "I agree" went through, the coach signed, and the
    agreed version held the coach's words."""
    (goal,) = plan_with(coach, client_user)
    version = draft_of(client_user)
    read_by_client = shown(client_user, client_user)
    goal_change(actor=coach, goal=goal, area=goal.area, words="Move back in with my mother")
    plan_sign(actor=coach, version=version, revision=shown(coach, client_user))

    with pytest.raises(ValidationError) as refused:
        plan_confirm(
            actor=client_user,
            version=version,
            typed_name="Robin Park",
            confirmed=True,
            revision=read_by_client,
        )

    assert refused.value.messages == [CHANGED]
    state = _version_state(version)
    assert state["client_confirmed_at"] is None and state["agreed_at"] is None
    assert not AgreedGoal.objects.exists()
    # Read again, the client may agree to what it says now.
    plan_confirm(
        actor=client_user,
        version=version,
        typed_name="Robin Park",
        confirmed=True,
        revision=shown(client_user, client_user),
    )
    assert list(AgreedGoal.objects.values_list("words", flat=True)) == [
        "Move back in with my mother"
    ]


@pytest.mark.django_db
def test_the_coach_cannot_sign_a_step_the_client_changed_after_they_read_it(coach, client_user):
    (goal,) = plan_with(coach, client_user)
    step = goal.steps.get()
    version = draft_of(client_user)
    read_by_coach = shown(coach, client_user)
    step_change(actor=client_user, step=step, action="Call the landlord", who=Step.Who.COACH)
    plan_confirm(
        actor=client_user,
        version=version,
        typed_name="Robin Park",
        confirmed=True,
        revision=shown(client_user, client_user),
    )

    with pytest.raises(ValidationError, match="The plan changed: read it again."):
        plan_sign(actor=coach, version=version, revision=read_by_coach)

    state = _version_state(version)
    assert state["coach_signed_at"] is None and state["agreed_at"] is None
    assert not AgreedGoal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["step_added", "area_renamed", "target_date", "why"])
def test_any_change_to_what_the_agreed_copy_keeps_is_a_new_revision(change, coach, client_user):
    """What is agreed (AgreedGoal, AgreedStep) keeps the goal's area by name,
    its words and why, each step's action, who, whose idea and date: a change
    to any of them, by either of them or by an admin renaming a life area,
    refuses a signature made on what was there before."""
    (goal,) = plan_with(coach, client_user)
    version = draft_of(client_user)
    read = shown(coach, client_user)
    if change == "step_added":
        step_add(actor=client_user, goal=goal, action="Walk", who="client", suggested_by="client")
    elif change == "area_renamed":
        LifeArea.objects.filter(pk=goal.area_id).update(name="Home")
    elif change == "target_date":
        step = goal.steps.get()
        step_change(
            actor=client_user,
            step=step,
            action=step.action,
            who=step.who,
            target_date=local_today(client_user) + timedelta(days=30),
        )
    else:
        goal_change(actor=client_user, goal=goal, area=goal.area, words=goal.words, why="For me")
    assert shown(coach, client_user) != read

    with pytest.raises(ValidationError, match="The plan changed"):
        plan_sign(actor=coach, version=version, revision=read)

    assert _version_state(version)["coach_signed_at"] is None


@pytest.mark.django_db
def test_progress_on_a_step_is_not_a_change_to_what_is_signed(coach, client_user):
    (goal,) = plan_with(coach, client_user)
    version = draft_of(client_user)
    read = shown(coach, client_user)
    step_progress(actor=client_user, step=goal.steps.get(), state="trying", how_it_went="Hard")

    signed = plan_sign(actor=coach, version=version, revision=read)

    assert signed.coach_signed_at is not None


@pytest.mark.django_db
def test_a_revision_that_is_not_the_drafts_is_refused(coach, client_user):
    plan_with(coach, client_user)
    version = draft_of(client_user)

    for revision in ("", "0" * 64, "not a revision"):
        with pytest.raises(ValidationError, match="The plan changed"):
            plan_sign(actor=coach, version=version, revision=revision)

    assert _version_state(version)["coach_signed_at"] is None
