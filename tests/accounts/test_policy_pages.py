"""The acting scopes of people and access: for each `_for_change`, someone
outside it is refused and nothing changes, while the reading scopes still
hold; and the `permissions_for` flags pages show buttons by."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from accounts.models import AuditEvent, CaseloadAssignment, Invitation, PayerIdentity, Role, User
from accounts.policy import invitation_scope, payer_identity_scope, people_scope
from accounts.policy.pages import person_change_scope
from accounts.policy.relationships import takeable_client_scope
from accounts.selectors import invitations as invitation_selectors
from accounts.selectors import payer as payer_selectors
from accounts.selectors import people as people_selectors
from accounts.selectors import teams as team_selectors
from accounts.selectors import trail as trail_selectors
from accounts.selectors.invitations import invitation_for_change, inviter_for_change
from accounts.selectors.payer import payer_identity_for_change
from accounts.selectors.people import person_for_change
from accounts.selectors.relationships import client_for_taking
from accounts.services.invitations import invitation_create, invitation_revoke
from accounts.services.payer import payer_identity_set
from accounts.services.people import user_credential_set
from accounts.services.relationships import assignment_create
from tests.conftest import make_user


@pytest.mark.django_db
def test_only_an_active_admin_changes_a_person_and_never_themselves(
    admin_user, coach, supervisor, client_user
):
    assert set(User.objects.filter(person_change_scope(admin_user))) >= {coach, client_user}
    assert not User.objects.filter(person_change_scope(admin_user), pk=admin_user.pk).exists()
    for outsider in (coach, supervisor, client_user):
        assert not User.objects.filter(person_change_scope(outsider)).exists()
        with transaction.atomic(), pytest.raises(PermissionDenied):
            person_for_change(outsider, coach.pk, own="change their role")
        with pytest.raises(PermissionDenied):
            user_credential_set(actor=outsider, user=coach, credential="CPRS")
    with transaction.atomic(), pytest.raises(ValidationError, match="ask another admin"):
        person_for_change(admin_user, admin_user.pk, own="change your own role")
    with transaction.atomic(), pytest.raises(Http404):
        person_for_change(admin_user, 999999, own="change their role")
    with transaction.atomic():
        assert person_for_change(admin_user, coach.pk, own="change their role") == coach
        # A credential is a change an admin may make to their own account.
        assert person_for_change(admin_user, admin_user.pk) == admin_user
    coach.refresh_from_db()
    assert coach.credential == "" and not AuditEvent.objects.filter(action="user.credential")
    # The reading scope holds: the admin still manages everyone, themselves too.
    assert User.objects.filter(people_scope(admin_user), pk=admin_user.pk).exists()


@pytest.mark.django_db
def test_a_deactivated_admin_is_refused_as_they_were_loaded(admin_user, coach):
    stale = User.objects.get(pk=admin_user.pk)
    make_user("second@example.org", Role.ADMIN)
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    with transaction.atomic(), pytest.raises(PermissionDenied):
        person_for_change(stale, coach.pk, own="change their role")


@pytest.mark.django_db
def test_only_the_sender_or_an_admin_withdraws_an_invitation(
    admin_user, coach, other_coach, supervisor, mailbox
):
    invitation = invitation_create(actor=coach, email="kim@example.org", role=Role.CLIENT)
    for outsider in (other_coach, supervisor):
        assert not Invitation.objects.filter(invitation_scope(outsider), pk=invitation.pk)
        with transaction.atomic(), pytest.raises(PermissionDenied):
            invitation_for_change(outsider, invitation.pk)
        with pytest.raises(PermissionDenied):
            invitation_revoke(actor=outsider, invitation=invitation)
        with pytest.raises(Http404):
            invitation_selectors.invitation_for_viewing(outsider, invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not AuditEvent.objects.filter(action="invitation.revoke").exists()
    # The reading scope holds: the sender and the admins still see it.
    for reader in (coach, admin_user):
        assert invitation_selectors.invitation_for_viewing(reader, invitation.pk) == invitation
    with transaction.atomic():
        assert invitation_for_change(admin_user, invitation.pk) == invitation


@pytest.mark.django_db
def test_an_inviter_acts_only_on_the_roles_they_may_invite(coach, supervisor, admin_user):
    with transaction.atomic():
        assert inviter_for_change(coach, Role.CLIENT) == coach
        assert inviter_for_change(admin_user, Role.COACH) == admin_user
    for actor, role in ((coach, Role.COACH), (supervisor, Role.CLIENT), (admin_user, Role.CLIENT)):
        with transaction.atomic(), pytest.raises(PermissionDenied):
            inviter_for_change(actor, role)


@pytest.mark.django_db
def test_only_staff_who_bill_record_payer_identifiers(admin_user, coach, supervisor, client_user):
    for outsider in (coach, supervisor, client_user):
        with transaction.atomic(), pytest.raises(PermissionDenied):
            payer_identity_for_change(outsider, client_user.pk)
        with pytest.raises(PermissionDenied):
            payer_identity_set(
                actor=outsider, client=client_user, date_of_birth=date(1990, 1, 2), member_id="X1"
            )
    assert not PayerIdentity.objects.exists()
    # Not a member of staff's own identifiers either: they are a client's.
    with transaction.atomic(), pytest.raises(PermissionDenied):
        payer_identity_for_change(admin_user, coach.pk)
    with transaction.atomic():
        assert payer_identity_for_change(admin_user, client_user.pk) == client_user
    # The reading scope holds: the client reads their own.
    assert User.objects.filter(payer_identity_scope(client_user, "pk"), pk=client_user.pk)


@pytest.mark.django_db
def test_a_coach_takes_only_a_client_without_a_coach(
    coach, other_coach, supervisor, client_user, other_client
):
    free = make_user("free@example.org", Role.CLIENT)
    assert set(User.objects.filter(takeable_client_scope(other_coach))) == {free}
    assert not User.objects.filter(takeable_client_scope(supervisor)).exists()
    with transaction.atomic(), pytest.raises(ValidationError, match="already has an active coach"):
        client_for_taking(other_coach, client_user.pk)
    with transaction.atomic(), pytest.raises(ValidationError, match="Only clients"):
        client_for_taking(other_coach, coach.pk)
    with transaction.atomic(), pytest.raises(ValidationError, match="Only a coach"):
        client_for_taking(supervisor, free.pk)
    with pytest.raises(ValidationError, match="Only a coach"):
        assignment_create(actor=supervisor, coach=supervisor, client=free)
    assert not CaseloadAssignment.objects.filter(client=free).exists()
    assert CaseloadAssignment.objects.get(client=client_user, ended_at__isnull=True).coach == coach
    with transaction.atomic():
        assert client_for_taking(other_coach, free.pk) == free


@pytest.mark.django_db
def test_permissions_for_follow_the_acting_scopes(
    admin_user, coach, supervisor, client_user, mailbox
):
    on_coach = people_selectors.permissions_for(admin_user, coach)
    assert on_coach.can_change_role and on_coach.can_change_access
    assert on_coach.can_set_credential and on_coach.shows_caseload
    assert not on_coach.can_set_payer_identity and not on_coach.is_self
    on_client = people_selectors.permissions_for(admin_user, client_user)
    assert on_client.can_set_payer_identity and not on_client.can_change_role
    assert not on_client.can_set_credential and not on_client.shows_caseload
    on_self = people_selectors.permissions_for(admin_user, admin_user)
    assert on_self.is_self and not on_self.can_change_access
    on_coach_by_coach = people_selectors.permissions_for(coach, supervisor)
    assert not (on_coach_by_coach.can_change_role or on_coach_by_coach.can_change_access)

    invitation = invitation_create(actor=coach, email="kim@example.org", role=Role.CLIENT)
    assert invitation_selectors.permissions_for(coach, invitation).can_revoke
    assert invitation_selectors.permissions_for(admin_user, invitation).can_revoke
    assert not invitation_selectors.permissions_for(supervisor, invitation).can_revoke
    assert invitation_selectors.permissions_for(coach).can_invite_clients
    assert not invitation_selectors.permissions_for(coach).can_invite_staff
    assert invitation_selectors.permissions_for(admin_user).can_invite_staff

    assert team_selectors.permissions_for(admin_user).can_create_teams
    assert not team_selectors.permissions_for(supervisor).can_create_teams
    assert trail_selectors.permissions_for(admin_user).sees_whole_trail
    assert not trail_selectors.permissions_for(supervisor).sees_whole_trail


@pytest.mark.django_db
def test_reading_the_audit_trail_is_recorded_once_about_no_client(admin_user, supervisor):
    for reader in (admin_user, supervisor):
        events = trail_selectors.audit_events_visible_to(reader)
        trail_selectors.audit_trail_page_for_viewing(reader, events, 1)
        event = AuditEvent.objects.get(actor=reader, action="audit_trail.view")
        assert event.client is None and event.object_id == ""


@pytest.mark.django_db
def test_payer_permissions_follow_the_setter_scope(admin_user, coach, client_user):
    assert payer_selectors.permissions_for(admin_user, client_user).can_set
    assert not payer_selectors.permissions_for(admin_user, coach).can_set
    assert not payer_selectors.permissions_for(coach, client_user).can_set
    assert not payer_selectors.permissions_for(client_user, client_user).can_set
