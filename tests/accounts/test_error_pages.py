"""The error pages a client can meet (400, 403, 404, 500 and Django's CSRF
failure page) speak the active language (the signed-in person's choice,
else the browser's), sit in the layout (the 500 page alone: it renders
with nothing) and name no detail: not the address asked for, not why.
The 404 for a record someone may not see is the very page of one that
does not exist (accounts.policy: 404 the same)."""

import pytest
from django.test import Client
from django.urls import reverse

from coaching.models import Plan
from tests.accounts.spanish import english_left, read_on
from tests.architecture.test_translations import TEMPLATES, untranslated_words
from tests.helpers import plan_with, sign_in

pytestmark = pytest.mark.django_db


def _spanish(user):
    user.language = "es"
    user.save(update_fields=["language"])
    return user


def _plan_url(pk) -> str:
    return reverse("coaching:plan", args=[pk])


def test_a_record_i_may_not_see_and_a_missing_one_are_the_same_spanish_404(
    client, client_user, other_coach, other_client
):
    plan_with(other_coach, other_client)
    theirs = Plan.objects.get(client=other_client).pk
    sign_in(client, _spanish(client_user))
    refused, missing = client.get(_plan_url(theirs)), client.get(_plan_url(987654321))
    assert refused.status_code == missing.status_code == 404
    assert read_on(refused) == read_on(missing)
    text = read_on(refused)
    assert "No encontramos esta página" in text and "Cerrar sesión" in text  # in the layout
    assert '<html lang="es">' in refused.content.decode()
    # Equal to the page for a number that is nobody's: nothing of theirs shows.
    assert not any("/plans/" in piece for piece in text)
    english_client = Client()
    sign_in(english_client, client_user)
    client_user.language = "en"
    client_user.save(update_fields=["language"])
    english = english_client.get(_plan_url(theirs))
    assert "Page not found" in read_on(english)
    assert english_left(english, refused, same_in_both=["English"]) == set()


def test_before_sign_in_the_404_speaks_the_browsers_language(client):
    spanish = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert spanish.status_code == english.status_code == 404
    assert "No pudimos encontrar esta página. Puede que el enlace sea viejo o tenga un error." in (
        read_on(spanish)
    )
    assert "We could not find this page. The link may be old or mistyped." in read_on(english)
    assert english_left(english, spanish) == set()
    assert "no-such-page" not in " ".join(read_on(spanish))


def test_a_page_of_another_role_is_a_spanish_403_for_a_spanish_client(client, client_user):
    sign_in(client, client_user)
    english = client.get(reverse("coaching:coach_home"))
    _spanish(client_user)
    spanish = client.get(reverse("coaching:coach_home"))
    assert spanish.status_code == english.status_code == 403
    assert "No puedes abrir esta página" in read_on(spanish)
    assert "You cannot open this page" in read_on(english)
    assert "Mis sesiones" in read_on(spanish)  # the client's own navigation, to go on
    assert english_left(english, spanish) == set()


def test_a_form_without_its_token_gets_the_spanish_csrf_page_and_nothing_happens(client_user):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        reverse("account_login"),
        {"login": client_user.email, "password": "whatever"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 403
    text = read_on(response)
    assert "Inténtalo de nuevo" in text
    assert "Vuelve atrás, recarga la página y envíalo otra vez." in text
    assert not any("CSRF" in piece or "Referer" in piece for piece in text)
    english = browser.post(reverse("account_login"), {}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Go back, reload the page and send it again." in read_on(english)
    assert english_left(english, response) == set()


def test_a_signed_in_spanish_client_gets_the_csrf_page_in_their_language(client_user):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, _spanish(client_user))
    response = browser.post(
        reverse("accounts:login_sessions_end_others"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert "Inténtalo de nuevo" in read_on(response)


def test_a_request_we_cannot_read_is_a_spanish_400(client, client_user):
    sign_in(client, _spanish(client_user))
    too_many = {f"field{number}": "x" for number in range(1200)}
    response = client.post(reverse("accounts:login_session_end"), too_many)
    assert response.status_code == 400
    text = read_on(response)
    assert "Hubo un problema con lo que se envió" in text and "Cerrar sesión" in text
    assert not any("field" in piece or "1000" in piece for piece in text)


@pytest.mark.urls("tests.accounts.crash_urls")
def test_a_crash_is_a_500_in_the_clients_language_with_nothing_of_the_error(client_user):
    browser = Client(raise_request_exception=False)
    sign_in(browser, _spanish(client_user))
    spanish = browser.get("/crash/")
    anonymous = Client(raise_request_exception=False)
    english = anonymous.get("/crash/", HTTP_ACCEPT_LANGUAGE="en")
    assert spanish.status_code == english.status_code == 500
    assert "Algo salió mal" in read_on(spanish)
    assert '<html lang="es">' in spanish.content.decode()
    assert "Something went wrong" in read_on(english)
    for response in (spanish, english):
        assert "hunter2" not in response.content.decode()
        assert "RuntimeError" not in response.content.decode()
    assert english_left(english, spanish) == set()


def test_the_csrf_page_has_no_words_outside_translation_tags():
    # Not listed among the client pages the translation guard walks (it is
    # Django's page, named by CSRF_FAILURE_TEMPLATE_NAME): checked here.
    assert untranslated_words((TEMPLATES / "403_csrf.html").read_text()) == []


def test_a_request_for_another_host_gets_the_400_page_not_a_crash(client):
    # Refused before anyone or any language is known (CommonMiddleware):
    # the page still renders in the layout, with nothing of the host.
    response = client.get("/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    text = read_on(response)
    assert {"Something was wrong with that request", "Hubo un problema con lo que se envió"} & set(
        text
    )
    assert "evil.example" not in response.content.decode()
