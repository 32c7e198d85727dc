"""The language a person reads the app in: their own choice once signed in
(kept on their account, one tap from every client page), the browser's
Accept-Language or the switch's cookie before."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, User
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

SWITCH = reverse("accounts:language_set")


def _home_text(client, **headers) -> str:
    return client.get(reverse("coaching:client_home"), **headers).content.decode()


def test_a_client_reads_their_pages_in_the_language_they_chose(client, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    sign_in(client, client_user)
    # Their choice, not what this browser asks for.
    response = client.get(reverse("coaching:client_home"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "Cerrar sesión" in page and "Sign out" not in page
    assert "Mis sesiones" in page
    assert response["Content-Language"] == "es"


def test_the_switch_keeps_the_clients_choice_on_their_account_and_goes_back(client, client_user):
    sign_in(client, client_user)
    assert "Mis sesiones" not in _home_text(client)
    response = client.post(SWITCH, {"language": "es", "next": "/my/plan/?x=1"})
    assert response.status_code == 302 and response["Location"] == "/my/plan/?x=1"
    assert User.objects.get(pk=client_user.pk).language == "es"
    assert "Mis sesiones" in _home_text(client)
    assert AuditEvent.objects.filter(actor=client_user, action="user.language").count() == 1
    # One tap back: the page offers the other language, named in itself.
    assert 'value="en" lang="en"' in _home_text(client)
    client.post(SWITCH, {"language": "en"})
    assert User.objects.get(pk=client_user.pk).language == "en"


def test_before_sign_in_the_browser_decides_and_the_switch_overrides_it(client):
    login = reverse("account_login")
    spanish = client.get(login, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()
    assert '<html lang="es">' in spanish
    assert 'value="en" lang="en"' in spanish  # the switch offers English
    english = client.get(login, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="en">' in english
    response = client.get(login, HTTP_ACCEPT_LANGUAGE="es")
    assert "Accept-Language" in response["Vary"]
    client.post(SWITCH, {"language": "en", "next": login})
    assert '<html lang="en">' in client.get(login, HTTP_ACCEPT_LANGUAGE="es").content.decode()


@pytest.mark.parametrize("language", ["fr", "", "es<script>"])
def test_a_language_we_do_not_offer_is_refused_and_changes_nothing(client, client_user, language):
    sign_in(client, client_user)
    response = client.post(SWITCH, {"language": language, "next": "/"})
    assert response.status_code == 400
    assert "That language is not one we offer. Nothing was changed." in response.content.decode()
    assert User.objects.get(pk=client_user.pk).language == "en"
    kept = client.cookies.get("language")
    assert kept is None or kept.value == "en"  # the account's, never the refused one
    assert not AuditEvent.objects.filter(action="user.language").exists()


def test_the_switch_goes_back_only_to_a_page_of_this_site(client, client_user):
    sign_in(client, client_user)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(SWITCH, {"language": "es", "next": target})
        assert response["Location"] == "/"


def test_staff_get_no_switch_in_their_header(client, coach):
    sign_in(client, coach)
    page = client.get(reverse("coaching:coach_home")).content.decode()
    # (The home's invitation form has a language field of its own: the client's.)
    assert f'action="{SWITCH}"' not in page and "language-switch" not in page


def test_after_signing_out_the_sign_in_page_still_speaks_the_clients_language(client, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"), HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("account_logout"))
    login = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in login


def test_the_switch_names_each_language_in_itself(client, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    sign_in(client, client_user)
    assert 'lang="en" class="link-button">English</button>' in _home_text(client)
