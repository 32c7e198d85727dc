"""The coach picks the language of a client's invitation: the email, the
page behind its link and the new account speak it. allauth's own emails and
the account notices go in their reader's language, whoever asked for them."""

import pytest
from django.urls import reverse

from accounts.models import Invitation, User
from tests.helpers import first_link, sign_in, text_body

PASSWORD = "quiet-river-morning-42"


def _invite(client, coach, mailbox, **data):
    sign_in(client, coach)
    response = client.post(
        reverse("accounts:invitation_create"), {"email": "kim@example.org", **data}
    )
    assert response.status_code == 302
    client.logout()
    return mailbox[-1]


def _accept(client, link):
    return client.post(
        link,
        {
            "display_name": "Kim Newcomer",
            "time_zone": "America/Chicago",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


@pytest.mark.django_db
def test_the_coachs_invitation_form_offers_the_language(client, coach):
    sign_in(client, coach)
    page = client.get(reverse("coaching:coach_home")).content.decode()
    assert 'name="language"' in page and "Language of the invitation" in page
    assert '<option value="es">Español</option>' in page


@pytest.mark.django_db
def test_a_spanish_invitation_arrives_in_spanish_and_the_account_keeps_it(client, coach, mailbox):
    message = _invite(client, coach, mailbox, language="es")
    assert Invitation.objects.get(email="kim@example.org").language == "es"

    body, html = text_body(message), _html(message)
    assert message["Subject"] == "Tu invitación para crear una cuenta"
    assert message["Content-Language"] == "es"
    assert "Casey te invitó a crear una cuenta." in body and "Elige tu contraseña" in html
    assert "vence el" in body and "de 20" in body  # "14 de diciembre de 2026"
    for english in ["invited you", "Choose your password", "expires on", "Hello"]:
        assert english not in body and english not in html

    # The page behind the link speaks Spanish, even to a browser that asks for English.
    link = first_link(message).replace("http://testserver", "")
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Crea tu cuenta" in page and "Set up your account" not in page
    assert "Tu zona horaria" in page and "Your time zone" not in page
    refused = client.post(
        link,
        {
            "display_name": "Kim",
            "time_zone": "America/Chicago",
            "password1": PASSWORD,
            "password2": PASSWORD + "!",
        },
    ).content.decode()
    assert "Las dos contraseñas no son iguales." in refused
    assert "The two passwords are different." not in refused

    _accept(client, link)
    assert User.objects.get(email="kim@example.org").language == "es"
    home = client.get(reverse("coaching:client_home"))
    assert home["Content-Language"] == "es"


@pytest.mark.django_db
def test_an_invitation_in_english_stays_english(client, coach, mailbox):
    message = _invite(client, coach, mailbox)  # the form's default: the site's language
    assert message["Subject"] == "Your invitation to set up an account"
    assert message["Content-Language"] == "en"
    assert "Casey invited you to set up an account." in text_body(message)
    assert "Hola" not in text_body(message)
    link = first_link(message).replace("http://testserver", "")
    # A browser asking for Spanish does not matter: the coach chose English.
    assert "Set up your account" in client.get(link, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    _accept(client, link)
    assert User.objects.get(email="kim@example.org").language == "en"


@pytest.mark.django_db
def test_an_address_with_an_account_is_told_in_its_holders_language(
    client, coach, client_user, mailbox
):
    client_user.language = "es"
    client_user.save()
    sign_in(client, coach)
    client.post(
        reverse("accounts:invitation_create"), {"email": client_user.email, "language": "en"}
    )
    (message,) = mailbox
    assert message["Subject"] == "Sobre tu cuenta"
    assert "ya tienes una cuenta" in text_body(message)
    assert "already have an account" not in text_body(message)


@pytest.mark.django_db
def test_a_language_not_offered_is_refused(client, coach, mailbox):
    sign_in(client, coach)
    response = client.post(
        reverse("accounts:invitation_create"), {"email": "kim@example.org", "language": "fr"}
    )
    assert response.status_code == 400 and mailbox == []
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_password_reset_email_goes_in_the_account_holders_language(client, client_user, mailbox):
    client_user.language = "es"
    client_user.save()
    # Asked for from a browser that reads English: the mail is for the account's holder.
    client.post(
        reverse("account_reset_password"),
        {"email": client_user.email},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    (message,) = mailbox
    assert "contraseña" in message["Subject"].lower() + text_body(message).lower()
    assert "Password Reset" not in message["Subject"]


@pytest.mark.django_db
def test_a_password_reset_email_stays_english_for_an_english_reader(client, client_user, mailbox):
    client.post(
        reverse("account_reset_password"),
        {"email": client_user.email},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    (message,) = mailbox
    assert "Password Reset" in message["Subject"]


@pytest.mark.django_db
def test_the_notice_of_a_changed_password_is_in_the_readers_language(
    client_user, mailbox, django_capture_on_commit_callbacks
):
    from allauth.account.signals import password_reset

    client_user.language = "es"
    client_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        password_reset.send(sender=User, request=None, user=client_user)
    (message,) = mailbox
    assert message["Subject"] == "Sobre tu cuenta"
    body = text_body(message)
    assert "Hace un momento se cambió la contraseña de tu cuenta" in body
    assert "was reset just now" not in body
