from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Invitation, Role, User
from tests.helpers import first_link, sign_in

NEW_PASSWORD = "quiet-river-morning-42"


def _invite(client, data):
    return client.post(reverse("accounts:invitation_create"), data)


def _accept(client, link, **overrides):
    data = {
        "display_name": "Dana Newcomer",
        "time_zone": "Europe/Berlin",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    return client.post(link, data)


def _link(message):
    return first_link(message).replace("http://testserver", "")


def _client_invitation_link(client, coach, mailbox, email="kim@example.org"):
    """The coach invites `email`; returns the link from the email, signed out."""
    sign_in(client, coach)
    assert _invite(client, {"email": email}).status_code == 302
    client.logout()
    return _link(mailbox[-1])


@pytest.mark.django_db
def test_an_admin_invites_a_coach_who_joins_their_team(client, admin_user, team, mailbox):
    sign_in(client, admin_user)
    response = _invite(client, {"email": "Dana@Example.org", "role": "coach", "team": team.pk})
    assert response.status_code == 302
    assert len(mailbox) == 1 and mailbox[0]["To"] == "dana@example.org"

    client.logout()
    link = _link(mailbox[0])
    assert "Set up your account" in client.get(link).content.decode()
    response = _accept(client, link)

    dana = User.objects.get(email="dana@example.org")
    assert (dana.role, dana.team, dana.time_zone) == (Role.COACH, team, "Europe/Berlin")
    assert EmailAddress.objects.get(user=dana).verified
    assert client.session[SESSION_KEY] == str(dana.pk)
    # Staff go straight to setting up two-factor authentication.
    assert client.get(reverse("home"), follow=True).redirect_chain[-1][0] == reverse(
        "mfa_activate_totp"
    )


@pytest.mark.django_db
def test_a_coach_invites_a_client_who_is_assigned_to_them(client, coach, mailbox):
    _accept(client, _client_invitation_link(client, coach, mailbox))
    kim = User.objects.get(email="kim@example.org")
    assert kim.role == Role.CLIENT
    assert CaseloadAssignment.objects.get(client=kim, ended_at__isnull=True).coach == coach
    page = client.get(reverse("coaching:client_home"))
    assert "You are working with <strong>Casey</strong>" in page.content.decode()


@pytest.mark.django_db
def test_a_coach_cannot_invite_staff_even_by_posting_a_role(client, coach, team, mailbox):
    sign_in(client, coach)
    _invite(client, {"email": "sneaky@example.org", "role": "admin", "team": team.pk})
    invitation = Invitation.objects.get(email="sneaky@example.org")
    assert invitation.role == Role.CLIENT and invitation.coach == coach


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["client", "supervisor"])
def test_clients_and_supervisors_cannot_invite(client, role, client_user, supervisor):
    sign_in(client, {"client": client_user, "supervisor": supervisor}[role])
    assert _invite(client, {"email": "x@example.org"}).status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_anonymous_invite_goes_to_login(client):
    response = _invite(client, {"email": "x@example.org"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_coach_or_supervisor_invitation_needs_a_team(client, admin_user, mailbox):
    sign_in(client, admin_user)
    response = _invite(client, {"email": "dana@example.org", "role": "coach"})
    assert response.status_code == 400
    assert "Choose the team this person joins." in response.content.decode()
    assert not Invitation.objects.exists() and mailbox == []


@pytest.mark.django_db
def test_an_invalid_email_gets_a_clear_message(client, coach, mailbox):
    sign_in(client, coach)
    response = _invite(client, {"email": "not an email"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists() and mailbox == []


@pytest.mark.django_db
def test_inviting_an_existing_person_reveals_nothing_and_creates_nothing(
    client, coach, other_client, mailbox
):
    sign_in(client, coach)
    response = _invite(client, {"email": other_client.email})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"Invitation sent to {other_client.email}" in page
    assert not Invitation.objects.exists()
    # The person gets a note that they already have an account, not a link.
    assert mailbox[0]["To"] == other_client.email
    assert "/invite/" not in mailbox[0].get_body(("plain",)).get_content()
    assert CaseloadAssignment.objects.get(client=other_client).coach != coach


@pytest.mark.django_db
def test_the_database_holds_no_working_link(client, coach, mailbox):
    sign_in(client, coach)
    _invite(client, {"email": "kim@example.org"})
    token = _link(mailbox[0]).rstrip("/").rsplit("/", 1)[-1]
    assert not Invitation.objects.filter(token_digest=token).exists()
    assert Invitation.objects.get().token_digest != token


@pytest.mark.django_db
def test_an_invitation_link_works_only_once(client, coach, mailbox):
    link = _client_invitation_link(client, coach, mailbox)
    _accept(client, link)
    client.logout()

    response = _accept(client, link, display_name="Someone Else")
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert User.objects.filter(email="kim@example.org").count() == 1
    assert User.objects.get(email="kim@example.org").display_name == "Dana Newcomer"


@pytest.mark.django_db
def test_an_invitation_link_expires_after_seven_days(client, coach, mailbox):
    link = _client_invitation_link(client, coach, mailbox)
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        page = client.get(link)
        response = _accept(client, link)
    assert page.status_code == response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="kim@example.org").exists()
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert client.get(link).status_code == 200


@pytest.mark.django_db
def test_a_forged_link_is_not_found_and_creates_nothing(client, coach):
    users_before = User.objects.count()
    response = _accept(client, "/invite/forged-token-that-was-never-issued/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert User.objects.count() == users_before


@pytest.mark.django_db
def test_a_newer_invitation_replaces_the_older_link(client, coach, mailbox):
    sign_in(client, coach)
    _invite(client, {"email": "kim@example.org"})
    _invite(client, {"email": "kim@example.org"})
    client.logout()
    old, new = _link(mailbox[0]), _link(mailbox[1])
    assert _accept(client, old).status_code == 410
    assert _accept(client, new).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw-1", "at least 12 characters"),
        ("password1234", "too common"),
        ("dananewcomer1", "too similar"),
        ("847261938475", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(client, coach, mailbox, password, message):
    link = _client_invitation_link(client, coach, mailbox)
    response = _accept(client, link, password1=password, password2=password)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="kim@example.org").exists()


@pytest.mark.django_db
def test_mismatched_passwords_are_refused(client, coach, mailbox):
    link = _client_invitation_link(client, coach, mailbox)
    response = _accept(client, link, password2="something-else-entirely")
    assert "The two passwords are different." in response.content.decode()
    assert not User.objects.filter(email="kim@example.org").exists()


@pytest.mark.django_db
def test_new_passwords_are_hashed_with_argon2(client, coach, mailbox):
    _accept(client, _client_invitation_link(client, coach, mailbox))
    assert User.objects.get(email="kim@example.org").password.startswith("argon2")


@pytest.mark.django_db
def test_an_admin_creates_a_team_and_a_duplicate_name_is_refused(client, admin_user, team):
    sign_in(client, admin_user)
    assert client.post(reverse("accounts:team_create"), {"name": "East"}).status_code == 302
    response = client.post(reverse("accounts:team_create"), {"name": "  north "})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    from accounts.models import Team

    assert sorted(Team.objects.values_list("name", flat=True)) == ["East", "North"]


@pytest.mark.django_db
def test_when_mail_cannot_be_sent_nothing_is_saved(client, coach, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},  # nothing listens
        }
    }
    sign_in(client, coach)
    response = _invite(client, {"email": "kim@example.org"})
    assert response.status_code == 503
    assert "nothing was saved" in response.content.decode()
    assert not Invitation.objects.exists()
