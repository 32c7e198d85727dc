"""The Django admin cannot get around the services: what they own (role,
team, email, activation, relationships, invitations, the audit trail) is
read-only there."""

import pytest
from django.urls import reverse

from accounts.models import CaseloadAssignment, Invitation, Role
from accounts.services import invitation_create
from tests.helpers import sign_in


@pytest.mark.django_db
def test_an_admin_cannot_make_themselves_a_supervisor_in_the_admin(client, admin_user, team):
    sign_in(client, admin_user)
    url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(
        url,
        {
            "email": "other@example.org",
            "display_name": "Renamed Admin",
            "role": Role.SUPERVISOR,
            "team": team.pk,
            "time_zone": "Europe/Berlin",
            "is_active": "",
        },
    )
    assert response.status_code == 302
    admin_user.refresh_from_db()
    # The name is the admin's to edit; who they are and what they see is not.
    assert admin_user.display_name == "Renamed Admin"
    assert (admin_user.role, admin_user.team_id, admin_user.email, admin_user.is_active) == (
        Role.ADMIN,
        None,
        form.context["original"].email,
        True,
    )


@pytest.mark.django_db
def test_relationships_and_invitations_cannot_be_written_in_the_admin(
    client, admin_user, coach, client_user, other_coach
):
    invitation_create(actor=coach, email="kim@example.org", role=Role.CLIENT, team=None)
    assignment = CaseloadAssignment.objects.get(client=client_user)
    invitation = Invitation.objects.get()
    sign_in(client, admin_user)
    for model, obj, change in [
        ("caseloadassignment", assignment, {"coach": other_coach.pk, "client": client_user.pk}),
        ("invitation", invitation, {"email": "someone@example.org", "role": Role.ADMIN}),
    ]:
        assert client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:accounts_{model}_add")).status_code == 403
        assert (
            client.post(
                reverse(f"admin:accounts_{model}_change", args=[obj.pk]), change
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse(f"admin:accounts_{model}_delete", args=[obj.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
    assignment.refresh_from_db()
    invitation.refresh_from_db()
    assert assignment.coach_id == coach.pk and assignment.ended_at is None
    assert (invitation.email, invitation.role) == ("kim@example.org", Role.CLIENT)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
