"""The plan's acting scopes (accounts/policy/plans.py), as the selectors
apply them: who may change a plan (plan_for_change, plan_client_for_change)
is narrower than who reads it (plan_for_viewing), and someone outside gets
refused with nothing changed."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.policy import plan_agreer_scope, plan_signer_scope
from coaching.models import Plan, PlanVersion, Step
from coaching.selectors.plans import (
    permissions_for,
    plan_client_for_change,
    plan_for_change,
    plan_for_viewing,
)
from coaching.services.plans import step_progress
from tests.helpers import draft_of, plan_with


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor", "other_coach", "other_client", "admin_user"])
def test_it_refuses_a_change_to_the_plan_from_outside_the_editors(request, who, coach, client_user):
    (goal,) = plan_with(coach, client_user)
    step = Step.objects.get(goal=goal)
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        plan_for_change(actor, goal.plan_id)
    with pytest.raises(PermissionDenied):
        plan_client_for_change(actor, client_user.pk)
    with pytest.raises(PermissionDenied):
        step_progress(actor=actor, step=step, state=Step.State.DONE, how_it_went="Done")

    step.refresh_from_db()
    assert step.state == Step.State.NOT_STARTED and step.how_it_went == ""


@pytest.mark.django_db
def test_the_editors_change_it_and_the_supervisor_still_reads_it(coach, client_user, supervisor):
    (goal,) = plan_with(coach, client_user)

    for actor in (coach, client_user):
        assert plan_for_change(actor, goal.plan_id) == Plan.objects.get(client=client_user)
        assert plan_client_for_change(actor, client_user.pk) == client_user
    page = plan_for_viewing(supervisor, client_user.pk)
    assert page["plan"].pk == goal.plan_id
    assert not permissions_for(supervisor, page["client"], page).can_edit


@pytest.mark.django_db
def test_only_the_client_agrees_and_only_their_coach_signs(coach, client_user, supervisor):
    (goal,) = plan_with(coach, client_user)

    assert plan_for_change(client_user, goal.plan_id, scope=plan_agreer_scope)
    assert plan_for_change(coach, goal.plan_id, scope=plan_signer_scope)
    for actor, scope in [
        (coach, plan_agreer_scope),
        (supervisor, plan_agreer_scope),
        (client_user, plan_signer_scope),
        (supervisor, plan_signer_scope),
    ]:
        with pytest.raises(PermissionDenied):
            plan_for_change(actor, goal.plan_id, scope=scope)
    assert draft_of(client_user).client_confirmed_at is None
    assert not PlanVersion.objects.filter(coach_signed_at__isnull=False).exists()


@pytest.mark.django_db
def test_permissions_follow_the_acting_scopes(coach, client_user, supervisor):
    plan_with(coach, client_user)

    flags = {}
    for who in (coach, client_user, supervisor):
        page = plan_for_viewing(who, client_user.pk)
        found = permissions_for(who, page["client"], page)
        flags[who.email] = (found.can_edit, found.can_confirm, found.can_sign)

    assert flags == {
        coach.email: (True, False, True),
        client_user.email: (True, True, False),
        supervisor.email: (False, False, False),
    }


@pytest.mark.django_db
def test_a_plan_someone_may_not_see_is_a_404(coach, client_user, other_coach, admin_user):
    plan_with(coach, client_user)
    for outsider in (other_coach, admin_user):
        with pytest.raises(Http404):
            plan_for_viewing(outsider, client_user.pk)
