"""The sessions page and what it says after signing a session out, in the
client's language: Spanish when they chose it, English otherwise."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models.login_sessions import session_key_digest
from tests.accounts.spanish import english_left, read_on
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:login_sessions")


def _browser(client_class, user, *, ip: str, agent: str):
    browser = client_class(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _language(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def test_a_spanish_client_reads_where_they_are_signed_in_in_spanish(client, client_user):
    _browser(type(client), client_user, ip="10.0.0.7", agent="Phone Safari")
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop Firefox")
    english = laptop.get(PAGE)
    _language(client_user, "es")
    spanish = laptop.get(PAGE)
    text = read_on(spanish)
    assert "Sesiones abiertas" in text
    assert text.count("Este navegador") == 1 and text.count("Cerrar esta sesión") == 1
    assert "Dirección IP" in text and "Última actividad" in text
    assert "Cerrar todas las otras sesiones" in text
    same = ["Phone Safari", "Laptop Firefox", "10.0.0.7", "10.0.0.8"]
    assert english_left(english, spanish, same_in_both=same) == set()
    assert "This one" in read_on(english) and "Sign this one out" in read_on(english)


def test_signing_sessions_out_is_confirmed_in_spanish(client, client_user):
    _language(client_user, "es")
    phone = _browser(type(client), client_user, ip="10.0.0.7", agent="Phone")
    laptop = _browser(type(client), client_user, ip="10.0.0.8", agent="Laptop")
    key = phone.cookies[settings.SESSION_COOKIE_NAME].value
    ended = laptop.post(
        reverse("accounts:login_session_end"), {"pk": session_key_digest(key)}, follow=True
    )
    assert "Esa sesión quedó cerrada." in read_on(ended)
    assert "That session is signed out." not in read_on(ended)
    none_left = laptop.post(reverse("accounts:login_sessions_end_others"), follow=True)
    assert "No había ninguna otra sesión abierta." in read_on(none_left)
    unchosen = laptop.post(reverse("accounts:login_session_end"), {}, follow=True)
    assert "Elige la sesión que quieres cerrar." in read_on(unchosen)
    _browser(type(client), client_user, ip="10.0.0.9", agent="Tablet")
    all_others = laptop.post(reverse("accounts:login_sessions_end_others"), follow=True)
    assert "Cerramos todas tus otras sesiones." in read_on(all_others)
