"""The client's text-message page (/texts/): one page by the number's
state, in the client's language; the ladder (anonymous, staff, client);
links to it from the header and the email settings once texts are on."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from sessions_log.models import TextNumber
from sessions_log.services.texts import text_number_confirm, text_number_start
from sessions_log.tasks import text_code_send
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

URL = reverse("sessions_log:text_settings")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
NUMBER = "+15552019876"


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _post(client, action, **data):
    return client.post(URL, {"action": action, **data})


def _code(sink, person) -> str:
    assert text_code_send(TextNumber.objects.get(user=person).pk) == "sent"
    return re.search(r"\b(\d{6})\b", sink.messages[-1]["body"]).group(1)


def _on(sink, person) -> TextNumber:
    row = text_number_start(actor=person, number=NUMBER, consent=True)
    text_code_send(row.pk)
    code = re.search(r"\b(\d{6})\b", sink.messages[-1]["body"]).group(1)
    return text_number_confirm(actor=person, code=code)


def test_the_page_is_the_clients_own(client, coach, client_user):
    assert client.get(URL).status_code == 302  # to the login
    sign_in(client, coach)
    assert client.get(URL).status_code == 403
    sign_in(client, client_user)
    assert client.get(URL).status_code == 200


def test_without_an_account_to_send_from_the_page_says_texts_are_not_available(client, client_user):
    sign_in(client, client_user)
    html = _page(client)
    assert "Text messages are not available here." in html
    assert 'name="number"' not in html and 'name="action"' not in html
    response = _post(client, "start", number=NUMBER, consent="on")
    assert response.status_code == 400 and not TextNumber.objects.exists()
    # Nor does the header or the email settings page offer it.
    assert URL not in client.get(reverse("sessions_log:reminder_settings")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_client_opts_in_with_the_code_from_the_page(texts_on, client, client_user):
    sign_in(client, client_user)
    html = _page(client)
    assert re.search(r'<input type="tel" name="number"[^>]*autocomplete="tel"', html)
    assert "Appointments will text appointment reminders and check-in links" in html
    assert "Message and data rates may apply. Reply STOP to stop, HELP for help." in html
    assert "You do not have to agree to get our services." in html
    response = _post(client, "start", number="555-201-9876", consent="on")
    assert response.status_code == 302

    html = _page(client)
    assert "A code is on its way to your phone." in html
    assert "We texted a code to the number ending 9876." in html
    assert re.search(r'name="code"[^>]*inputmode="numeric"', html)
    assert 'autocomplete="one-time-code"' in html
    assert "Send a new code" in html and "Change number" in html
    code = _code(texts_on, client_user)

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = _post(client, "confirm", code=wrong)
    assert response.status_code == 400
    assert "That code is not right. Check the text and try again." in response.content.decode()
    assert _post(client, "confirm", code=code).status_code == 302
    html = _page(client)
    assert "Texts go to the number ending 9876 since Dec. 1, 2026." in html
    assert "your coach's first name and a link: nothing about recovery." in html
    assert "Also send these by email" in html
    assert "Stop texts" in html and "Remove number" in html
    # The header and the email settings page lead here.
    assert f'<a href="{URL}" aria-current="page">Text messages</a>' in html
    assert URL in client.get(reverse("sessions_log:reminder_settings")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_bad_number_or_no_consent_is_said_plainly_and_nothing_is_kept(
    texts_on, client, client_user
):
    sign_in(client, client_user)
    response = _post(client, "start", number="555-0123", consent="on")
    assert response.status_code == 400
    assert "Enter a mobile number like +1 555 123 4567." in response.content.decode()
    response = _post(client, "start", number=NUMBER)
    assert response.status_code == 400
    assert "Tick the box to agree to get texts." in response.content.decode()
    response = _post(client, "dance")
    assert response.status_code == 400
    assert not TextNumber.objects.exists() and not texts_on.messages


@time_machine.travel(NOW, tick=False)
def test_asking_for_codes_too_fast_is_said_on_the_page(texts_on, client, client_user):
    sign_in(client, client_user)
    assert _post(client, "start", number=NUMBER, consent="on").status_code == 302
    response = _post(client, "resend")
    assert response.status_code == 400
    assert "A code was sent less than a minute ago. Wait a minute first." in (
        response.content.decode()
    )


@time_machine.travel(NOW, tick=False)
def test_stop_resume_and_remove_from_the_page(texts_on, client, client_user):
    _on(texts_on, client_user)
    sign_in(client, client_user)
    assert _post(client, "by_email").status_code == 302  # unticked: not by email
    assert client_user.reminder_preference.by_email is False
    assert _post(client, "stop").status_code == 302
    html = _page(client)
    assert "You turned texts off on Dec. 1, 2026." in html
    assert "Turn texts on again" in html
    assert _post(client, "resume").status_code == 302
    assert "Texts go to the number ending 9876" in _page(client)
    assert _post(client, "remove").status_code == 302
    html = _page(client)
    assert "Your number is removed. Reminders come by email." in html
    assert 'name="number"' in html and not TextNumber.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_after_stop_by_text_the_page_says_to_reply_start(texts_on, client, client_user):
    row = _on(texts_on, client_user)
    TextNumber.objects.filter(pk=row.pk).update(stopped_at=NOW, stopped_by="text")
    sign_in(client, client_user)
    html = _page(client)
    assert (
        "You replied STOP on Dec. 1, 2026: reply START to +15005550006 to get texts again." in html
    )
    assert "Turn texts on again" not in html and "Remove number" in html
    response = _post(client, "resume")
    assert response.status_code == 400 and "reply START" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_number_that_failed_asks_for_a_number_again(texts_on, client, client_user):
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        row = _on(texts_on, client_user)
    TextNumber.objects.filter(pk=row.pk).update(failed_at=NOW, failure_code=30005)
    sign_in(client, client_user)
    html = _page(client)
    assert "Texts to the number ending 9876 could not be delivered." in html
    assert 'name="number"' in html
    assert _post(client, "start", number="+1 555 201 1111", consent="on").status_code == 302
    assert "We texted a code to the number ending 1111." in _page(client)


@time_machine.travel(NOW, tick=False)
def test_a_spanish_speaking_client_reads_the_page_and_agrees_in_spanish(
    texts_on, client, client_user
):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    sign_in(client, client_user)
    html = _page(client)
    assert "<h1>Mensajes de texto</h1>" in html
    assert "Pueden aplicarse tarifas de mensajes y datos." in html
    assert "Message and data rates" not in html
    response = _post(client, "start", number="555 201 98", consent="on")
    assert "Escribe un número de celular como +1 555 123 4567." in response.content.decode()
    assert _post(client, "start", number="555 201 9876", consent="on").status_code == 302
    assert "Enviamos un código por mensaje de texto al número que termina en 9876." in _page(client)
    row = TextNumber.objects.get()
    assert row.consent_language == "es"
    assert "Responde STOP para dejar de recibirlos y HELP para pedir ayuda." in row.consent_text
    code = _code(texts_on, client_user)
    assert (
        texts_on.messages[-1]["body"] == f"Appointments: tu codigo es {code}. Sirve por 10 minutos."
    )
    assert _post(client, "confirm", code=code).status_code == 302
    assert (
        "Los mensajes de texto van al número que termina en 9876 desde el 1 de diciembre de 2026."
        in (_page(client))
    )


@time_machine.travel(NOW, tick=False)
def test_another_clients_number_is_never_shown(texts_on, client, client_user, other_client):
    _on(texts_on, other_client)
    sign_in(client, client_user)
    html = _page(client)
    assert "9876" not in html and "Texts go to" not in html
    assert 'name="number"' in html
    # Their buttons act on their own (absent) number only.
    response = _post(client, "stop")
    assert response.status_code == 400 and "Texts are not on." in response.content.decode()
    assert TextNumber.objects.get(user=other_client).state == "on"


def test_a_client_waiting_for_a_code_can_change_the_number(texts_on, client, client_user):
    with time_machine.travel(NOW, tick=False):
        sign_in(client, client_user)
        assert _post(client, "start", number=NUMBER, consent="on").status_code == 302
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        html = client.get(URL + "?change=1").content.decode()
        assert 'name="number"' in html and 'name="code"' not in html and "Cancel" in html
        assert _post(client, "start", number="555 201 1111", consent="on").status_code == 302
        assert "We texted a code to the number ending 1111." in _page(client)
    row = TextNumber.objects.get()
    assert (row.number, row.codes_sent) == ("+15552011111", 1)
