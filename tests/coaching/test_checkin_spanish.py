"""The check-in pages in the client's language: the form (signed in and by
the emailed link, which speaks the client's language, not the browser's),
its errors, the closed and thank-you pages, and My check-ins. An
English-speaking client still reads English."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from coaching.checkin_wording import STATEMENTS
from coaching.models import CheckIn, CheckInRequest, SupervisorRequest
from coaching.services.trust import checkin_link_issue
from tests.coaching.spanish_helpers import english_left
from tests.helpers import GOOD, LOW, _requested, _submit, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after():
    # A request activates its reader's language for the rest of the thread:
    # the next test starts in the site's.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def spanish_client(client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    return client_user


def _post(answers=GOOD, **extra):
    return {**{name: str(value) for name, value in answers.items()}, **extra}


def _form_url(request) -> str:
    return reverse("coaching:checkin_new") + f"?session={request.session_id}"


def test_the_signed_in_form_speaks_spanish(client, coach, spanish_client):
    request = _requested(coach, spanish_client)
    sign_in(client, spanish_client)
    page = client.get(_form_url(request), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Chequeo · Citas</title>" in page
    assert "¿Cómo te va con tu coach?" in page
    # The appointment's day as Spanish writes it: "lunes 30 de noviembre".
    assert re.search(r"Piensa en tu cita del [a-záéíóú]+ \d+ de [a-z]+\.", page)
    assert "Enviar mi chequeo" in page and "¿Quieres agregar algo? (opcional)" in page
    assert english_left(page) == []


def test_a_wrong_answer_is_named_in_spanish(client, coach, spanish_client):
    sign_in(client, spanish_client)
    response = client.post(reverse("coaching:checkin_new"), _post({**GOOD, "safe": 11}))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Elige un número del 0 al 10." in page
    message = _post(message="Quiero hablar")
    page = client.post(reverse("coaching:checkin_new"), message).content.decode()
    assert "Marca esta casilla para enviar tu mensaje a un supervisor." in page
    assert english_left(page) == []
    assert not CheckIn.objects.exists()


def test_after_checking_in_the_client_is_thanked_in_spanish(client, coach, spanish_client):
    request = _requested(coach, spanish_client)
    sign_in(client, spanish_client)
    page = client.post(_form_url(request), _post(), follow=True).content.decode()
    assert "Gracias. Tu chequeo quedó guardado." in page
    assert english_left(page) == []


def test_the_emailed_link_speaks_the_clients_language_not_the_browsers(
    client, coach, supervisor, spanish_client
):
    request = _requested(coach, spanish_client)
    path = reverse("coaching:checkin_by_link", args=[checkin_link_issue(session=request.session)])

    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response["Content-Language"] == "es" and '<html lang="es">' in page
    assert STATEMENTS["heard"]["es"] in page
    assert english_left(page) == []

    wrong = client.post(path, _post({**GOOD, "trust": ""}), HTTP_ACCEPT_LANGUAGE="en")
    assert "Elige un número del 0 al 10." in wrong.content.decode()

    answer = _post(talk_to_supervisor="on", message="Algo no va bien")
    thanks = client.post(path, answer, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tu chequeo quedó guardado. Ya puedes cerrar esta página." in thanks
    assert (
        "Tu solicitud para hablar con un supervisor: Recibida. "
        "Un supervisor del equipo de tu coach la va a leer." in thanks
    )
    assert english_left(thanks) == []
    assert SupervisorRequest.objects.filter(client=spanish_client).count() == 1

    # A spent link no longer says whose it was: the browser's language.
    again = client.get(path, HTTP_ACCEPT_LANGUAGE="es")
    closed = again.content.decode()
    assert again.status_code == 410 and "Este enlace ya se usó o ya venció." in closed
    assert english_left(closed) == []


def test_an_expired_link_says_so_in_the_clients_language(client, coach, spanish_client):
    request = _requested(coach, spanish_client)
    path = reverse("coaching:checkin_by_link", args=[checkin_link_issue(session=request.session)])
    CheckInRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
    response = client.post(path, _post(), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 410 and "Este enlace ya se usó o ya venció." in page
    assert english_left(page) == []
    assert not CheckIn.objects.exists()


def test_the_emailed_link_speaks_english_to_an_english_client_on_a_spanish_browser(
    client, coach, client_user
):
    request = _requested(coach, client_user)
    path = reverse("coaching:checkin_by_link", args=[checkin_link_issue(session=request.session)])
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    page = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en">' in page
    assert "How is your coaching going?" in page and STATEMENTS["heard"]["en"] in page
    assert STATEMENTS["heard"]["es"] not in page


def test_the_language_switch_tapped_on_the_link_page_goes_before_the_clients(
    client, coach, spanish_client
):
    request = _requested(coach, spanish_client)
    path = reverse("coaching:checkin_by_link", args=[checkin_link_issue(session=request.session)])
    # The switch is on the page, offering English; tapping it keeps the link.
    assert 'value="en" lang="en"' in client.get(path).content.decode()
    switched = client.post(reverse("accounts:language_set"), {"language": "en", "next": path})
    assert switched["Location"] == path
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "How is your coaching going?" in page and STATEMENTS["heard"]["es"] not in page


def test_the_closed_pages_speak_spanish(client, coach, spanish_client):
    sign_in(client, spanish_client)
    expired = _requested(coach, spanish_client)
    CheckInRequest.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    response = client.get(_form_url(expired))
    page = response.content.decode()
    assert response.status_code == 410
    assert "Este chequeo no está disponible" in page
    assert "cada chequeo queda abierto una semana después de la cita" in page
    assert english_left(page) == []

    _submit(spanish_client)  # between sessions: the next one waits a week
    too_soon = client.get(reverse("coaching:checkin_new"))
    page = too_soon.content.decode()
    assert too_soon.status_code == 409
    assert re.search(r"Puedes hacer otro a partir del [a-záéíóú]+ \d+ de [a-z]+\.", page)
    assert english_left(page) == []


def test_my_check_ins_speak_spanish(client, coach, supervisor, spanish_client):
    request = _requested(coach, spanish_client)
    _requested(coach, spanish_client)  # one still to answer: the prompt
    # A low check-in (followed up) and a private request to a supervisor.
    _submit(spanish_client, request, answers=LOW, talk_to_supervisor=True, message="Hola")
    sign_in(client, spanish_client)
    page = client.get(reverse("coaching:my_checkins")).content.decode()

    assert "<h1>Mis chequeos</h1>" in page
    assert "¿Cómo te sentiste en tu cita del" in page and "Responder ahora" in page
    assert "Recibida. Un supervisor del equipo de tu coach la va a leer." in page
    assert "Ya le avisamos al equipo de tu coach." in page
    assert "Tus puntajes de chequeo, del más antiguo al más reciente" in page
    assert '<th scope="col">Fecha</th><th scope="col">Puntaje</th>' in page
    assert STATEMENTS["focus"]["es"] in page
    assert english_left(page) == []
    # The chart's coordinates stay numbers a browser reads (no decimal comma).
    threshold = re.search(r'<line [^>]*class="threshold"', page).group(0)
    assert "," not in threshold


def test_an_english_client_still_reads_english(client, coach, client_user):
    request = _requested(coach, client_user)
    _submit(client_user, _requested(coach, client_user), answers=LOW)
    sign_in(client, client_user)
    form = client.get(_form_url(request), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "How is your coaching going?" in form and "0 = not at all, 10 = completely" in form
    assert "¿Cómo te va con tu coach?" not in form
    mine = client.get(reverse("coaching:my_checkins"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Your coaching team has been told." in mine and STATEMENTS["focus"]["en"] in mine
    assert "Mis chequeos" not in mine
