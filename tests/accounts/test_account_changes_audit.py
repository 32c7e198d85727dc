"""Changes to how someone signs in (email, password, MFA) are audited; the
old address is told of an email change; and a reset (password, MFA) stops
the person's private calendar feed link from working."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import AuditEvent
from sessions_log.models import CalendarFeed
from sessions_log.services.calendar import calendar_feed_renew
from tests.conftest import PASSWORD
from tests.helpers import first_link, sign_in, text_body


def _signed_in_again(client, user) -> None:
    """Signed in, and just now confirmed their password (what allauth asks
    before any change to how one signs in)."""
    sign_in(client, user)
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302


def _actions(user) -> list[str]:
    return list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))


@pytest.mark.django_db
def test_an_email_change_is_audited_and_the_old_address_is_told_neutrally(
    client, client_user, mailbox, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=client_user, email="robin.new@example.org", verified=True)
    _signed_in_again(client, client_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/email/", {"action_primary": "", "email": "robin.new@example.org"}
        )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.email_changed")
    assert (event.actor, event.client) == (client_user, client_user)
    # The row names the account, never an address.
    assert "@" not in " ".join(str(value) for value in AuditEvent.objects.values_list())
    (notice,) = [message for message in mailbox if message["To"] == "robin@example.org"]
    body = text_body(notice)
    assert "changed" in body and "robin.new@example.org" not in body
    assert not {"coach", "recovery", "session"} & set(body.lower().split())


@pytest.mark.django_db
def test_adding_and_removing_an_email_address_is_audited(client, client_user, mailbox):
    _signed_in_again(client, client_user)
    client.post("/accounts/email/", {"action_add": "", "email": "robin.two@example.org"})
    client.post("/accounts/email/", {"action_remove": "", "email": "robin.two@example.org"})
    assert {"auth.email_added", "auth.email_removed"} <= set(_actions(client_user))


@pytest.mark.django_db
def test_a_password_reset_is_audited_and_stops_the_calendar_feed_link(client, client_user, mailbox):
    token = calendar_feed_renew(actor=client_user)
    feed = reverse("sessions_log:feed", args=[token])
    assert client.get(feed).status_code == 200
    client.post("/accounts/password/reset/", {"email": client_user.email})
    link = first_link(mailbox[0]).replace("http://testserver", "")
    form_page = client.get(link, follow=True)
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    new_password = "a-brand-new-passphrase-77"
    assert (
        client.post(form_url, {"password1": new_password, "password2": new_password}).status_code
        == 302
    )
    assert not CalendarFeed.objects.filter(user=client_user).exists()
    assert client.get(feed).status_code == 404
    assert {"auth.password_reset", "calendar_feed.revoke_on_reset"} <= set(_actions(client_user))


@pytest.mark.django_db
def test_a_password_change_keeps_the_calendar_feed_link(client, client_user):
    calendar_feed_renew(actor=client_user)
    _signed_in_again(client, client_user)
    new_password = "a-brand-new-passphrase-77"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert "auth.password_change" in _actions(client_user)
    assert CalendarFeed.objects.filter(user=client_user).exists()


@pytest.mark.django_db
def test_removing_mfa_is_audited_and_stops_the_calendar_feed_link(client, coach):
    calendar_feed_renew(actor=coach)
    _signed_in_again(client, coach)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert "auth.mfa_removed_totp" in _actions(coach)
    assert not CalendarFeed.objects.filter(user=coach).exists()
    assert "calendar_feed.revoke_on_reset" in _actions(coach)


@pytest.mark.django_db
def test_new_recovery_codes_are_audited_and_stop_the_calendar_feed_link(
    client, coach, django_capture_on_commit_callbacks
):
    calendar_feed_renew(actor=coach)
    _signed_in_again(client, coach)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    assert "auth.mfa_reset_recovery_codes" in _actions(coach)
    assert not CalendarFeed.objects.filter(user=coach).exists()
