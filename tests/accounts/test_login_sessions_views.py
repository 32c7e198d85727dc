"""Everyone's sessions page (/accounts/sessions/, where allauth's was):
where their account is signed in (address, browser, when it started, last
active, which one is this browser), and signing the others out, one or all.
Only their own sessions: another person's is a 404 and stays signed in.
45 CFR 164.312(a)(2)(iii) (automatic logoff), 164.308(a)(5)(ii)(C) (log-in
monitoring: a person sees where they are signed in)."""

import pytest
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.urls import reverse

from accounts.models import AuditEvent, LoginSession
from accounts.models.login_sessions import session_key_digest
from tests.conftest import PASSWORD
from tests.helpers import count_queries, sign_in

PAGE = "/accounts/sessions/"


def _browser(client_class, user, *, ip: str, agent: str):
    """A browser of `user`'s, signed in through the login form at `ip`."""
    browser = client_class(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _key(browser) -> str:
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def _signed_in(browser) -> bool:
    return browser.get(reverse("coaching:client_home")).status_code == 200


@pytest.mark.django_db
def test_the_page_lists_where_i_am_signed_in_and_marks_this_browser(client, client_user):
    phone = _browser(type(client), client_user, ip="10.0.0.7", agent="Phone Safari")
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop Firefox")
    page = laptop.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Phone Safari" in text and "10.0.0.7" in text
    assert "Laptop Firefox" in text and "10.0.0.8" in text
    assert text.count("This one") == 1
    assert text.index("This one") > text.index("Laptop Firefox")  # this browser's card
    assert text.count("Sign this one out") == 1  # the other one only
    assert "Sign out all other sessions" in text
    assert _key(phone) not in text and _key(laptop) not in text  # never a key


@pytest.mark.django_db
def test_nobody_sees_another_persons_sessions(client, client_user, other_client):
    _browser(type(client), other_client, ip="10.9.9.9", agent="Their browser")
    mine = _browser(type(client), client_user, ip="10.0.0.1", agent="My browser")
    text = mine.get(PAGE).content.decode()
    assert "My browser" in text
    assert "Their browser" not in text and "10.9.9.9" not in text
    assert "Sign out all other sessions" not in text  # I have no other


@pytest.mark.django_db
def test_signing_out_another_of_my_sessions_signs_that_browser_out(client, client_user):
    phone = _browser(type(client), client_user, ip="10.0.0.7", agent="Phone")
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop")
    response = laptop.post(
        reverse("accounts:login_session_end"), {"pk": session_key_digest(_key(phone))}
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    assert "That session is signed out." in laptop.get(PAGE).content.decode()
    assert not _signed_in(phone)
    assert _signed_in(laptop)
    assert AuditEvent.objects.filter(
        actor=client_user, action="auth.session_ended", object_id=str(client_user.pk)
    ).exists()


@pytest.mark.django_db
def test_another_persons_session_is_a_404_and_stays_signed_in(client, client_user, other_client):
    theirs = _browser(type(client), other_client, ip="10.9.9.9", agent="Theirs")
    mine = _browser(type(client), client_user, ip="10.0.0.1", agent="Mine")
    response = mine.post(
        reverse("accounts:login_session_end"), {"pk": session_key_digest(_key(theirs))}
    )
    assert response.status_code == 404
    assert _signed_in(theirs)
    assert not AuditEvent.objects.filter(action="auth.session_ended").exists()


@pytest.mark.django_db
def test_no_session_chosen_says_so_and_changes_nothing(client, client_user):
    phone = _browser(type(client), client_user, ip="10.0.0.7", agent="Phone")
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop")
    response = laptop.post(reverse("accounts:login_session_end"), {}, follow=True)
    assert "Choose the session to sign out." in response.content.decode()
    assert _signed_in(phone) and _signed_in(laptop)
    assert laptop.post(reverse("accounts:login_session_end"), {"pk": "x" * 500}).status_code == 404
    assert _signed_in(phone)


@pytest.mark.django_db
def test_signing_out_this_browsers_own_session_signs_me_out(client, client_user):
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop")
    response = laptop.post(
        reverse("accounts:login_session_end"), {"pk": session_key_digest(_key(laptop))}
    )
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert not _signed_in(laptop)
    assert not LoginSession.objects.filter(user=client_user).exists()


@pytest.mark.django_db
def test_signing_out_all_others_keeps_this_one(client, client_user):
    others = [
        _browser(type(client), client_user, ip=f"10.0.0.{n}", agent=f"Device {n}") for n in range(3)
    ]
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop")
    response = laptop.post(reverse("accounts:login_sessions_end_others"), follow=True)
    assert "Signed out of all other sessions." in response.content.decode()
    assert not any(_signed_in(other) for other in others)
    assert _signed_in(laptop)
    assert LoginSession.objects.filter(user=client_user).count() == 1
    assert AuditEvent.objects.filter(
        actor=client_user, action="auth.sessions_ended_others"
    ).exists()


@pytest.mark.django_db
def test_sessions_a_password_change_ended_are_not_listed(client, client_user):
    """Django ends a session whose password hash is no longer the account's
    at its next request: the page does not show it as signed in."""
    _browser(type(client), client_user, ip="10.0.0.7", agent="Old phone")
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop")
    client_user.set_password("a new password 123")
    client_user.save()
    session = laptop.session
    session[HASH_SESSION_KEY] = client_user.get_session_auth_hash()  # as the change does
    session.save()
    text = laptop.get(PAGE).content.decode()
    assert "Laptop" in text and "Old phone" not in text


@pytest.mark.django_db
def test_the_page_takes_the_same_queries_however_many_sessions(client, client_user):
    sign_in(client, client_user)
    client.get(PAGE)
    one, _ = count_queries(client.get, PAGE)
    for n in range(6):
        _browser(type(client), client_user, ip=f"10.0.1.{n}", agent=f"Device {n}")
    many, response = count_queries(client.get, PAGE)
    assert response.content.decode().count("Sign this one out") == 6
    assert many == one <= 4


@pytest.mark.django_db
def test_staff_see_their_sessions_too(client, coach):
    sign_in(client, coach)
    text = client.get(PAGE, HTTP_USER_AGENT="Coach laptop").content.decode()
    assert "This one" in text


@pytest.mark.django_db
def test_every_page_header_leads_to_the_sessions_page(client, client_user):
    """Nobody has to know the address: the header links it, as it did
    allauth's page."""
    browser = _browser(type(client), client_user, ip="10.0.0.2", agent="Phone")
    home = browser.get(reverse("coaching:client_home")).content.decode()
    assert f'href="{PAGE}"' in home
