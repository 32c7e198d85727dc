"""Signing in, the account pages (allauth's, through its own Spanish
catalogue) and Django's validation messages in Spanish: before sign-in
when the browser asks for it, after when the client chose it; an English
speaker's stay English."""

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from coaching.models import Plan
from tests.accounts.spanish import english_left, read_on
from tests.conftest import PASSWORD
from tests.helpers import plan_with, sign_in

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def _spanish(user):
    user.language = "es"
    user.save(update_fields=["language"])
    return user


def test_the_sign_in_page_speaks_the_browsers_spanish(client):
    spanish = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    english = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US")
    text = read_on(spanish)
    assert "Iniciar sesión" in text and "¿Olvidaste tu contraseña?" in text
    assert (
        "¿Es tu primera vez aquí? Solo se entra con una invitación: la persona con quien "
        "trabajas te manda un enlace por correo." in text
    )
    # allauth's own "Forgot your password?" under the field reads as ours does.
    assert "¿Ha olvidado su contraseña?" not in text
    assert (
        "New here? You join by invitation: the person you work with sends you a link by email."
        in read_on(english)
    )
    assert english_left(english, spanish) == set()


def test_a_wrong_password_is_refused_in_spanish(client, client_user):
    response = client.post(
        LOGIN,
        {"login": client_user.email, "password": "not-the-password-at-all"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert SESSION_KEY not in client.session
    html = response.content.decode()
    # allauth's message, in the app's voice (accounts/allauth_wording.py).
    assert "El correo o la contraseña no son correctos." in html
    assert "are not correct" not in html
    empty = client.post(LOGIN, {"login": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="es")
    assert "Este campo es obligatorio." in empty.content.decode()  # Django's own catalogue
    assert "This field is required." not in empty.content.decode()


def test_signing_up_without_an_invitation_is_explained_in_spanish(client):
    url = reverse("account_signup")
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    text = read_on(spanish)
    assert "Necesitas una invitación" in text and "Inicia sesión" in text
    assert f'<a href="{LOGIN}">Inicia sesión</a> si ya tienes una cuenta.' in (
        spanish.content.decode()
    )
    assert english_left(english, spanish) == set()


@pytest.mark.parametrize(
    "name", ["account_reset_password", "account_reset_password_done", "account_login"]
)
def test_the_password_reset_pages_are_in_spanish_before_sign_in(client, name):
    spanish = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="es")
    english = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    assert spanish.status_code == english.status_code == 200
    assert english_left(english, spanish) == set()


def test_a_used_reset_link_says_so_in_spanish(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "used"})
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "un enlace nuevo" in read_on(spanish)
    assert english_left(english, spanish) == set()


@pytest.mark.parametrize("name", ["account_change_password", "account_email", "account_logout"])
def test_a_spanish_clients_account_pages_are_in_spanish(client, client_user, name):
    sign_in(client, client_user)
    english = client.get(reverse(name))
    _spanish(client_user)
    spanish = client.get(reverse(name))
    assert spanish.status_code == english.status_code == 200
    assert english_left(english, spanish, same_in_both=[client_user.email]) == set()


def test_the_password_rules_refuse_in_spanish(client, client_user):
    sign_in(client, _spanish(client_user))
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "abc", "password2": "abc"},
    )
    html = response.content.decode()
    assert "La contraseña es demasiado corta." in html  # Django's password validators
    assert "This password is too short." not in html
    missing = client.post(reverse("account_change_password"), {"oldpassword": PASSWORD})
    assert "Este campo es obligatorio." in missing.content.decode()


def test_signed_out_for_idling_the_client_reads_why_in_their_language(client, client_user):
    sign_in(client, _spanish(client_user))
    client.get(reverse("coaching:client_home"))
    session = client.session
    session["limits_last_seen"] = time.time() - 3 * 3600
    session.save()
    page = client.get(reverse("coaching:client_home"), follow=True, HTTP_ACCEPT_LANGUAGE="es")
    assert page.redirect_chain[-1][0].startswith(LOGIN)
    text = read_on(page)
    assert "Cerramos tu sesión para proteger tu información. Vuelve a iniciar sesión." in text
    assert "You were signed out to keep your information safe. Please sign in again." not in text


def test_an_english_client_signed_out_for_idling_reads_it_in_english(client, client_user):
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"))
    session = client.session
    session["limits_last_seen"] = time.time() - 3 * 3600
    session.save()
    page = client.get(reverse("coaching:client_home"), follow=True)
    assert "You were signed out to keep your information safe. Please sign in again." in (
        read_on(page)
    )


def test_a_record_opened_from_another_site_asks_first_in_spanish(client, client_user, coach):
    plan_with(coach, client_user)
    url = reverse("coaching:plan", args=[Plan.objects.get(client=client_user).pk])
    sign_in(client, client_user)
    english = client.get(url, HTTP_SEC_FETCH_SITE="cross-site")
    _spanish(client_user)
    spanish = client.get(url, HTTP_SEC_FETCH_SITE="cross-site")
    text = read_on(spanish)
    assert "¿Abrir este expediente?" in text and "Abrir el expediente" in text
    assert "Open this record?" in read_on(english)
    assert english_left(english, spanish) == set()


def test_an_english_speaker_still_signs_in_in_english():
    page = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="en")
    text = read_on(page)
    assert "Sign in" in text and "Forgot your password?" in text
    assert "Iniciar sesión" not in text


# allauth's Spanish speaks formally (usted); the app speaks to a client as tú.
_USTED = re.compile(
    r"\bsu (contraseña|cuenta|correo|dirección|carpeta)"
    r"|\b(usted|desea|introduzca|le hemos|vuelva)\b",
    re.I,
)


@pytest.mark.parametrize(
    "name", ["account_reset_password", "account_reset_password_done", "account_login"]
)
def test_allauths_pages_before_sign_in_speak_to_the_client_as_tu(client, name):
    text = read_on(client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="es"))
    assert [piece for piece in text if _USTED.search(piece)] == []


@pytest.mark.parametrize("name", ["account_email", "account_logout", "account_reauthenticate"])
def test_allauths_account_pages_speak_to_the_client_as_tu(client, client_user, name):
    sign_in(client, _spanish(client_user))
    text = read_on(client.get(reverse(name)))
    assert [piece for piece in text if _USTED.search(piece)] == []
    assert "¿Ha olvidado su contraseña?" not in text
