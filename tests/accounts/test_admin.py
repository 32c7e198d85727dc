"""The Django admin cannot get around the services: what they own (role,
team, email, activation, relationships, invitations, the audit trail) is
read-only there."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse

from accounts.models import CaseloadAssignment, Invitation, LoginSession, Role
from accounts.services.invitations import invitation_create
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


@pytest.mark.django_db
def test_email_addresses_authenticators_and_sessions_cannot_be_written_in_the_admin(
    client, admin_user, coach
):
    sign_in(client, admin_user)
    client.get(reverse("admin:index"))  # records the admin's own session
    email = EmailAddress.objects.get(user=coach)
    totp = Authenticator.objects.get(user=coach)
    session = LoginSession.objects.get(user=admin_user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    cases = [
        ("account", "emailaddress", email, {"email": "taken@example.org", "user": admin_user.pk}),
        ("mfa", "authenticator", totp, {"user": admin_user.pk, "type": "totp"}),
        ("accounts", "loginsession", session, {"user": coach.pk}),
    ]
    for app, model, obj, change in cases:
        changelist = reverse(f"admin:{app}_{model}_changelist")
        assert client.get(changelist).status_code == 200, model
        assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403, model
        url = reverse(f"admin:{app}_{model}_change", args=[obj.pk])
        assert client.post(url, change).status_code == 403, model
        delete = reverse(f"admin:{app}_{model}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403, model
        # No bulk action either (allauth's "mark as verified", "delete selected").
        bulk = client.post(changelist, {"action": "delete_selected", "_selected_action": obj.pk})
        assert bulk.status_code in (200, 302), model
    email.refresh_from_db()
    assert (email.user_id, email.email, email.verified) == (coach.pk, coach.email, True)
    assert Authenticator.objects.filter(pk=totp.pk, user=coach).exists()
    assert LoginSession.objects.filter(pk=session.pk, user=admin_user).exists()
    # The second factor's secret and the session key are never shown.
    page = client.get(reverse("admin:mfa_authenticator_change", args=[totp.pk]))
    assert page.status_code == 200 and totp.data["secret"] not in page.content.decode()
    page = client.get(reverse("admin:accounts_loginsession_change", args=[session.pk]))
    assert page.status_code == 200
    assert key not in page.content.decode()
    assert session.session_data not in page.content.decode()
