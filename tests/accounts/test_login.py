import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import AuditEvent, LoginSession, User
from accounts.models.login_sessions import session_key_digest
from tests.conftest import PASSWORD
from tests.helpers import first_link, text_body

LOGIN = "/accounts/login/"


def _login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


@pytest.mark.django_db
def test_it_signs_a_client_in_with_email_and_password(client, client_user):
    response = _login(client, "ROBIN@example.org")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(client_user.pk)
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("coaching:client_home")
    assert AuditEvent.objects.filter(actor=client_user, action="auth.login").exists()


@pytest.mark.django_db
def test_it_refuses_a_wrong_password_without_saying_whether_the_email_exists(client, client_user):
    wrong_password = _login(client, client_user.email, "not-the-password-at-all")
    unknown_email = _login(client, "nobody@example.org", "not-the-password-at-all")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert SESSION_KEY not in client.session

    def error_of(response):
        return re.findall(r'role="alert">\s*<p>(.*?)</p>', response.content.decode(), re.S)

    assert error_of(wrong_password) == error_of(unknown_email) != []


@pytest.mark.django_db
def test_it_blocks_logins_after_repeated_failures(client, client_user):
    for _ in range(5):
        _login(client, client_user.email, "not-the-password-at-all")
    response = _login(client, client_user.email)  # even the right password now waits
    assert SESSION_KEY not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    lockout = AuditEvent.objects.get(action="auth.lockout")
    # The account under attack is the object; whoever tried is not its owner.
    assert (lockout.actor, lockout.object_id, lockout.outcome) == (
        None,
        str(client_user.pk),
        "denied",
    )


@pytest.mark.django_db
def test_it_signs_out_and_ends_the_session_on_the_server(client, client_user):
    _login(client, client_user.email)
    session_key = client.session.session_key
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not LoginSession.objects.filter(session_key=session_key_digest(session_key)).exists()
    assert client.get(reverse("coaching:client_home")).status_code == 302


@pytest.mark.django_db
def test_it_resets_a_password_by_email(client, client_user, mailbox):
    response = client.post("/accounts/password/reset/", {"email": client_user.email})
    assert response.status_code == 302
    assert len(mailbox) == 1 and mailbox[0]["To"] == client_user.email
    link = first_link(mailbox[0]).replace("http://testserver", "")
    form_page = client.get(link, follow=True)
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    new_password = "a-brand-new-passphrase-77"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    client_user.refresh_from_db()
    assert client_user.check_password(new_password)
    assert _login(client, client_user.email, new_password).status_code == 302


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_looks_the_same(client, client_user, mailbox):
    known = client.post("/accounts/password/reset/", {"email": client_user.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The unknown address is told there is no account there; no reset link goes out.
    to_unknown = [m for m in mailbox if m["To"] == "nobody@example.org"]
    assert to_unknown and "/accounts/password/reset/key/" not in text_body(to_unknown[0])


@pytest.mark.django_db
def test_reset_refuses_a_short_password(client, client_user, mailbox):
    client.post("/accounts/password/reset/", {"email": client_user.email})
    link = first_link(mailbox[0]).replace("http://testserver", "")
    form_page = client.get(link, follow=True)
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(form_url, {"password1": "short-pw", "password2": "short-pw"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    client_user.refresh_from_db()
    assert client_user.check_password(PASSWORD)


@pytest.mark.django_db
def test_an_unverified_email_must_be_verified_before_signing_in(client, client_user, mailbox):
    EmailAddress.objects.filter(user=client_user).update(verified=False)
    response = _login(client, client_user.email)
    assert SESSION_KEY not in client.session
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert len(mailbox) == 1
    link = first_link(mailbox[0]).replace("http://testserver", "")
    assert client.get(link).status_code == 200
    client.post(link)
    assert EmailAddress.objects.get(user=client_user).verified
    assert _login(client, client_user.email).status_code == 302
    assert client.session[SESSION_KEY] == str(client_user.pk)


@pytest.mark.django_db
def test_public_signup_is_closed(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "walkin@example.org", "password1": "x" * 20, "password2": "x" * 20},
    )
    assert "Invitation needed" in response.content.decode()

    assert not User.objects.filter(email="walkin@example.org").exists()
