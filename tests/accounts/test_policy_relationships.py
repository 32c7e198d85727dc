"""The acting scopes of trust and caseload review (accounts/policy/relationships.py)
through their `_for_change` selectors: someone outside the scope is refused
and nothing changes; the reading scopes still hold for them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import CaseloadAssignment, Role
from coaching.models import CheckIn, CheckInRequest, SupervisorRequest, TrustFlag
from coaching.selectors.caseloads import relationship_for_change
from coaching.selectors.trust import (
    checkin_request_for_change,
    flag_for_change,
    flag_for_viewing,
    private_request_for_change,
    private_request_for_viewing,
)
from coaching.services.caseloads import client_reassign
from coaching.services.trust import (
    checkin_submit,
    flag_acknowledge,
    flag_resolve,
    supervisor_request_done,
    supervisor_request_handle,
)
from tests.conftest import make_user
from tests.helpers import GOOD, LOW, _requested, _submit


def _flag(coach, client_user) -> TrustFlag:
    _submit(client_user, _requested(coach, client_user), answers=LOW)
    return TrustFlag.objects.filter(client=client_user).first()


def _private(coach, client_user) -> SupervisorRequest:
    _submit(client_user, _requested(coach, client_user), talk_to_supervisor=True)
    return SupervisorRequest.objects.get(client=client_user)


@pytest.mark.django_db
def test_only_the_coach_and_team_supervisors_acknowledge_a_flag(
    coach, client_user, supervisor, other_coach, admin_user
):
    flag = _flag(coach, client_user)
    for outsider in (other_coach, admin_user, client_user):
        with pytest.raises(PermissionDenied):
            flag_for_change(outsider, flag.pk)
        with pytest.raises(PermissionDenied):
            flag_acknowledge(actor=outsider, flag=flag)
        with pytest.raises(Http404):
            flag_for_viewing(outsider, flag.pk)
    flag.refresh_from_db()
    assert flag.status == TrustFlag.Status.OPEN and flag.acknowledged_by is None
    assert flag_for_viewing(coach, flag.pk) == flag
    assert flag_for_change(supervisor, flag.pk) == flag
    flag_acknowledge(actor=coach, flag=flag)
    flag.refresh_from_db()
    assert flag.status == TrustFlag.Status.ACKNOWLEDGED


@pytest.mark.django_db
def test_only_the_teams_supervisors_resolve_a_flag_its_coach_reads(
    coach, client_user, supervisor, other_team
):
    flag = _flag(coach, client_user)
    other_supervisor = make_user("sup2@example.org", Role.SUPERVISOR, team=other_team)
    for outsider in (coach, other_supervisor):
        with pytest.raises(PermissionDenied):
            flag_for_change(outsider, flag.pk, resolve=True)
        with pytest.raises(PermissionDenied):
            flag_resolve(actor=outsider, flag=flag, note="Done")
    flag.refresh_from_db()
    assert flag.status == TrustFlag.Status.OPEN and flag.resolved_at is None
    assert flag_for_viewing(coach, flag.pk) == flag  # the coach still reads it
    flag_resolve(actor=supervisor, flag=flag, note="We talked")
    flag.refresh_from_db()
    assert flag.status == TrustFlag.Status.RESOLVED


@pytest.mark.django_db
def test_only_the_teams_supervisors_take_or_close_a_private_request(
    coach, client_user, supervisor, other_team, admin_user
):
    private = _private(coach, client_user)
    other_supervisor = make_user("sup2@example.org", Role.SUPERVISOR, team=other_team)
    for outsider in (coach, other_supervisor, admin_user, client_user):
        for step in (supervisor_request_handle, supervisor_request_done):
            with pytest.raises(PermissionDenied):
                step(actor=outsider, request=private)
        with pytest.raises(PermissionDenied):
            private_request_for_change(outsider, private.pk)
        with pytest.raises(Http404):
            private_request_for_viewing(outsider, private.pk)
    private.refresh_from_db()
    assert private.handled_at is None and private.done_at is None
    assert private_request_for_viewing(supervisor, private.pk) == private
    supervisor_request_done(actor=supervisor, request=private)
    private.refresh_from_db()
    assert private.done_by == supervisor and private.handled_by == supervisor


@pytest.mark.django_db
def test_a_coach_made_supervisor_never_acts_on_a_request_about_themselves(coach, client_user, team):
    private = _private(coach, client_user)
    coach.role = Role.SUPERVISOR
    coach.save()
    with pytest.raises(PermissionDenied):
        supervisor_request_handle(actor=coach, request=private)
    private.refresh_from_db()
    assert private.handled_at is None


@pytest.mark.django_db
def test_only_its_own_client_answers_a_check_in_request(coach, client_user, other_client):
    request = _requested(coach, client_user)
    for outsider in (other_client, coach):
        with pytest.raises(PermissionDenied):
            checkin_request_for_change(outsider, request.pk)
        with pytest.raises(PermissionDenied):
            checkin_submit(client=outsider, answers=GOOD, request=request)
    assert not CheckIn.objects.exists()
    assert CheckInRequest.objects.get(pk=request.pk).checkin_id is None


@pytest.mark.django_db
def test_staff_cannot_check_in_between_sessions(coach, supervisor):
    for staff in (coach, supervisor):
        with pytest.raises(PermissionDenied):
            checkin_submit(client=staff, answers=GOOD)
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_only_a_supervisor_of_the_coachs_team_reassigns_a_client(
    coach, client_user, supervisor, other_team, other_coach, admin_user, team
):
    morgan = make_user("morgan@example.org", Role.COACH, team=team)
    other_supervisor = make_user("sup2@example.org", Role.SUPERVISOR, team=other_team)
    for outsider in (coach, other_supervisor, admin_user, other_coach):
        with pytest.raises(PermissionDenied):
            relationship_for_change(outsider, client_user.pk)
        with pytest.raises(PermissionDenied):
            client_reassign(
                actor=outsider,
                client=client_user,
                new_coach=morgan,
                reason="Fit",
                cancel_upcoming=False,
            )
    (current,) = CaseloadAssignment.objects.filter(client=client_user)
    assert current.coach == coach and current.ended_at is None
    assert relationship_for_change(supervisor, client_user.pk) == current
    client_reassign(
        actor=supervisor, client=client_user, new_coach=morgan, reason="Fit", cancel_upcoming=False
    )
    assert CaseloadAssignment.objects.get(client=client_user, ended_at__isnull=True).coach == morgan
