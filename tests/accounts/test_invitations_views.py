import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Invitation, Role, Team, User
from accounts.services.invitations import INVITATIONS_PER_HOUR
from accounts.services.people import user_activate, user_deactivate, user_role_change
from tests.conftest import make_user
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
def test_inviting_an_existing_person_sends_no_link_and_keeps_their_coach(
    client, coach, other_client, mailbox
):
    sign_in(client, coach)
    response = _invite(client, {"email": other_client.email})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"Invitation sent to {other_client.email}" in page
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


# ------------------------------------------------ what the inviter can learn


def _row(page: str, email: str) -> str:
    """The text of the one row of "Invitations sent" for `email`, with the
    address taken out, so that two rows can be compared."""
    rows = [
        row for row in re.findall(r"<tr>.*?</tr>", page, re.DOTALL) if f"<td>{email}</td>" in row
    ]
    assert len(rows) == 1, (email, rows)
    text = re.sub(r"<[^>]+>|\s+", " ", rows[0].replace(email, "EMAIL"))
    return re.sub(r'value="\d+"', "", " ".join(text.split()))


@pytest.mark.django_db
def test_the_inviters_list_grows_alike_for_strangers_and_existing_clients(
    client, coach, other_client, mailbox
):
    """Invite a stranger, another coach's client, another stranger: the list
    grows 1, 1, 1, with the same message and rows, and they age alike."""
    sign_in(client, coach)
    home = reverse("coaching:coach_home")
    emails = ["stranger1@example.org", other_client.email, "stranger2@example.org"]
    sizes, messages = [], []
    for email in emails:
        response = _invite(client, {"email": email})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        messages.append(
            re.search(r"Invitation sent to .*? days\.", page).group(0).replace(email, "")
        )
        sizes.append(page.count("Revoke the invitation to"))
    assert sizes == [1, 2, 3]
    assert len(set(messages)) == 1
    page = client.get(home).content.decode()
    rows = {_row(page, email) for email in emails}
    assert len(rows) == 1 and "Pending" in rows.pop()
    # The person with an account is told so, and gets no link.
    (exists_mail,) = [m for m in mailbox if m["To"] == other_client.email]
    assert "already have an account" in exists_mail.get_body(("plain",)).get_content()
    assert "/invite/" not in exists_mail.get_body(("plain",)).get_content()
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        sign_in(client, coach)
        page = client.get(home).content.decode()
    rows = {_row(page, email) for email in emails}
    assert len(rows) == 1 and "Expired" in rows.pop()


@pytest.mark.django_db
def test_the_audit_trail_does_not_name_an_existing_client_that_was_invited(
    client, coach, supervisor, admin_user, other_client, mailbox
):
    sign_in(client, coach)
    _invite(client, {"email": other_client.email})
    _invite(client, {"email": "stranger@example.org"})
    events = AuditEvent.objects.filter(actor=coach, action__startswith="invitation")
    # Both invitations leave the same trace: an invitation, nobody named.
    assert sorted(events.values_list("action", "object_type")) == [
        ("invitation.create", "invitation"),
        ("invitation.create", "invitation"),
    ]
    assert not events.filter(client__isnull=False).exists()
    for reader in (supervisor, admin_user):
        sign_in(client, reader)
        page = client.get(reverse("accounts:audit_log")).content.decode()
        assert "invitation.create" in page
        assert other_client.display_name not in page and other_client.email not in page


@pytest.mark.django_db
def test_invitations_are_limited_to_20_an_hour_per_inviter(
    client, coach, other_coach, other_client, mailbox
):
    sign_in(client, coach)
    for number in range(INVITATIONS_PER_HOUR - 1):
        assert _invite(client, {"email": f"person{number}@example.org"}).status_code == 302
    # An address with an account counts the same (or the limit would tell).
    assert _invite(client, {"email": other_client.email}).status_code == 302
    sent = len(mailbox)
    for email in ("one-more@example.org", other_client.email):
        response = _invite(client, {"email": email})
        assert response.status_code == 429
        assert "You have sent 20 invitations in the last hour" in response.content.decode()
        assert "Please try again in 60 minutes." in response.content.decode()
    assert len(mailbox) == sent
    assert Invitation.objects.filter(invited_by=coach).count() == 20
    assert AuditEvent.objects.filter(
        actor=coach, action="invitation.rate_limited", outcome="denied"
    ).exists()
    # Another coach is not held back by it.
    sign_in(client, other_coach)
    assert _invite(client, {"email": "one-more@example.org"}).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        sign_in(client, coach)
        assert _invite(client, {"email": "one-more@example.org"}).status_code == 302


# ----------------------------------------------- nobody replaces another's


@pytest.mark.django_db
def test_another_coach_inviting_the_same_address_does_not_revoke_the_first_invitation(
    client, coach, other_coach, mailbox
):
    first = _client_invitation_link(client, other_coach, mailbox)
    second = _client_invitation_link(client, coach, mailbox)
    assert first != second
    assert client.get(first).status_code == 200
    assert _accept(client, first).status_code == 302
    kim = User.objects.get(email="kim@example.org")
    # The person lands with the coach whose link they used, nobody else's.
    assert CaseloadAssignment.objects.get(client=kim, ended_at__isnull=True).coach == other_coach
    client.logout()
    assert _accept(client, second).status_code == 410
    # The other coach's invitation says only what it would for a stranger.
    assert Invitation.objects.get(invited_by=coach).status == "pending"


@pytest.mark.django_db
def test_a_coachs_client_invitation_never_replaces_an_admins_staff_invitation(
    client, admin_user, coach, team, mailbox
):
    sign_in(client, admin_user)
    _invite(client, {"email": "dana@example.org", "role": "coach", "team": team.pk})
    staff_link = _link(mailbox[-1])
    sign_in(client, coach)
    _invite(client, {"email": "dana@example.org"})
    client.logout()
    assert _accept(client, staff_link).status_code == 302
    assert User.objects.get(email="dana@example.org").role == Role.COACH


# ------------------------------------ invitations die with the sender's rights


@pytest.mark.django_db
def test_accepting_is_refused_once_the_sender_is_deactivated(client, coach, mailbox):
    link = _client_invitation_link(client, coach, mailbox)
    # However that happened (here, not through the app's service).
    User.objects.filter(pk=coach.pk).update(is_active=False)
    page = client.get(link)
    response = _accept(client, link)
    assert page.status_code == response.status_code == 410
    assert "no longer works" in response.content.decode()
    assert not User.objects.filter(email="kim@example.org").exists()


@pytest.mark.django_db
def test_accepting_is_refused_once_the_sender_may_no_longer_invite_that_role(
    client, admin_user, team, mailbox
):
    make_user("second-admin@example.org", Role.ADMIN)
    sign_in(client, admin_user)
    _invite(client, {"email": "dana@example.org", "role": "admin"})
    client.logout()
    link = _link(mailbox[-1])
    User.objects.filter(pk=admin_user.pk).update(role=Role.SUPERVISOR, team=team)
    assert _accept(client, link).status_code == 410
    assert not User.objects.filter(email="dana@example.org").exists()


@pytest.mark.django_db
def test_deactivating_the_sender_revokes_their_pending_invitations(
    client, coach, other_coach, admin_user, mailbox
):
    link = _client_invitation_link(client, coach, mailbox)
    _client_invitation_link(client, other_coach, mailbox, email="lee@example.org")
    user_deactivate(actor=admin_user, user=coach)
    assert Invitation.objects.get(invited_by=coach).status == "revoked"
    assert Invitation.objects.get(invited_by=other_coach).status == "pending"
    assert AuditEvent.objects.filter(actor=admin_user, action="invitation.revoke").count() == 1
    # Reactivating them does not bring the link back.
    user_activate(actor=admin_user, user=coach)
    assert _accept(client, link).status_code == 410


@pytest.mark.django_db
def test_a_role_change_revokes_the_invitations_they_may_no_longer_send(
    client, admin_user, team, mailbox
):
    other_admin = make_user("second-admin@example.org", Role.ADMIN)
    sign_in(client, other_admin)
    _invite(client, {"email": "dana@example.org", "role": "coach", "team": team.pk})
    link = _link(mailbox[-1])
    sign_in(client, admin_user)
    _invite(client, {"email": "lee@example.org", "role": "coach", "team": team.pk})
    user_role_change(actor=admin_user, user=other_admin, role=Role.SUPERVISOR, team=team)
    assert Invitation.objects.get(email="dana@example.org").status == "revoked"
    assert Invitation.objects.get(email="lee@example.org").status == "pending"
    client.logout()
    assert _accept(client, link).status_code == 410


# --------------------------------------------------------------- revoking


def _revoke(client, invitation):
    return client.post(reverse("accounts:invitation_revoke"), {"invitation": invitation.pk})


@pytest.mark.django_db
def test_a_coach_revokes_a_pending_invitation_from_their_home(client, coach, mailbox):
    link = _client_invitation_link(client, coach, mailbox)
    sign_in(client, coach)
    home = client.get(reverse("coaching:coach_home")).content.decode()
    assert 'aria-label="Revoke the invitation to kim@example.org"' in home
    response = _revoke(client, Invitation.objects.get())
    assert response["Location"] == reverse("coaching:coach_home")
    page = client.get(response["Location"]).content.decode()
    assert "The invitation to kim@example.org is revoked" in page
    assert _row(page, "kim@example.org").startswith("EMAIL Client") and "Revoked" in page
    assert "Revoke the invitation to" not in page
    assert AuditEvent.objects.filter(actor=coach, action="invitation.revoke").count() == 1
    client.logout()
    assert _accept(client, link).status_code == 410
    assert not User.objects.filter(email="kim@example.org").exists()


@pytest.mark.django_db
def test_an_admin_revokes_any_pending_invitation_from_manage(client, admin_user, coach, mailbox):
    link = _client_invitation_link(client, coach, mailbox)
    sign_in(client, admin_user)
    manage = client.get(reverse("accounts:manage")).content.decode()
    assert 'aria-label="Revoke the invitation to kim@example.org"' in manage
    response = _revoke(client, Invitation.objects.get())
    assert response["Location"] == reverse("accounts:manage")
    assert Invitation.objects.get().status == "revoked"
    client.logout()
    assert _accept(client, link).status_code == 410


@pytest.mark.django_db
def test_a_coach_cannot_revoke_another_coachs_invitation(client, coach, other_coach, mailbox):
    link = _client_invitation_link(client, other_coach, mailbox)
    sign_in(client, coach)
    assert _revoke(client, Invitation.objects.get()).status_code == 404
    assert Invitation.objects.get().status == "pending"
    client.logout()
    assert _accept(client, link).status_code == 302


@pytest.mark.django_db
def test_revoking_an_invitation_that_is_no_longer_pending_says_so_and_changes_nothing(
    client, coach, mailbox
):
    _accept(client, _client_invitation_link(client, coach, mailbox))
    sign_in(client, coach)
    response = _revoke(client, Invitation.objects.get())
    page = client.get(response["Location"]).content.decode()
    assert "The invitation to kim@example.org was already accepted" in page
    assert Invitation.objects.get().status == "accepted"
    assert not AuditEvent.objects.filter(action="invitation.revoke").exists()
    response = client.post(reverse("accounts:invitation_revoke"), {"invitation": "x"})
    assert "Choose the invitation to revoke." in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_invitation_page_is_never_kept_by_a_browser(client, coach, mailbox):
    link = _client_invitation_link(client, coach, mailbox)
    for response in (
        client.get(link),
        _accept(client, link, password2="different-from-the-first"),
        client.get("/invite/forged-token-that-was-never-issued/"),
    ):
        assert response["Cache-Control"] == "no-store", response.status_code
