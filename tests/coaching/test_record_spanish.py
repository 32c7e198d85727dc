"""A Spanish-speaking client's record in Spanish (issue 31): "My record",
its printable page and its PDF, "Who viewed my record" and "My time with
us", with no English sentence left; an English-speaking client's stay
English. The JSON file keeps its English keys (programs read it)."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.audit import audit_record
from coaching.models import Step
from coaching.services.episodes import episode_discharge, episode_open
from coaching.services.plans import goal_add, step_add
from tests.coaching.test_episodes import admit, source, today
from tests.helpers import area, sign_in, signed_contact

pytestmark = pytest.mark.django_db


def _spanish(person):
    person.language = "es"
    person.save(update_fields=["language"])
    return person


def _record(coach, client_user):
    signed_contact(coach, client_user, narrative="We talked about the flat")
    goal = goal_add(actor=client_user, client=client_user, area=area(), words="Keep my flat")
    step_add(
        actor=coach,
        goal=goal,
        action="Call the landlord",
        who=Step.Who.BOTH,
        suggested_by=Step.SuggestedBy.COACH,
    )


def _pdf_text(client) -> str:
    response = client.get(reverse("coaching:my_record_pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return " ".join(text.split())


def test_my_record_and_its_printable_page_are_in_spanish(client, coach, client_user):
    _record(coach, _spanish(client_user))
    sign_in(client, client_user)
    mine = client.get(reverse("coaching:my_record")).content.decode()
    assert "Abrir mi expediente para imprimirlo o guardarlo" in mine
    assert "Pedir una copia o un cambio" in mine and "No has pedido una copia ni un cambio." in mine
    assert "Open my record" not in mine and "Asking for a copy" not in mine

    printed = client.get(reverse("coaching:my_record_print")).content.decode()
    for spanish in (
        "El expediente de",
        "Sesiones y notas",
        "Nota firmada por",
        "Plan de recuperación",
        'Keep my flat <span class="muted">(Vivienda)</span>',
        "Call the landlord — Los dos juntos: sin empezar",
        "Quién vio tu expediente",
        "Abriste o descargaste tu expediente completo",  # this very opening
    ):
        assert spanish in printed, spanish
    for english in ("The record of", "Sessions and notes", "Note signed by", "(Housing)"):
        assert english not in printed, english
    assert re.search(r"Hecho el \d{1,2} de [a-z]+ de \d{4}, \d\d:\d\d\.", printed)


def test_the_pdf_of_the_record_is_in_the_clients_language(client, coach, client_user):
    _record(coach, _spanish(client_user))
    sign_in(client, client_user)
    text = _pdf_text(client)
    for spanish in (
        "El expediente de",
        "Tu plan de recuperación",
        "Área de la vida: Vivienda",
        "Quién: Los dos juntos",
        "Cómo va: Sin empezar",
        "Sesión en grupo: No",
        "Quién vio tu expediente",
        "Página 1",
    ):
        assert spanish in text, spanish
    for english in ("The record of", "Your recovery plan", "Part of life", "Page 1", "Housing"):
        assert english not in text, english
    # Dates as Spanish writes them: "7 de diciembre de 2026".
    assert re.search(r"Hecho el \d{1,2} de [a-z]+ de \d{4}", text)
    # The JSON file keeps its keys for the programs that read it.
    data = json.loads(client.get(reverse("coaching:my_record_json")).content)
    step = data["plan"]["now"][0]["steps"][0]
    assert step["who"] == "Los dos juntos" and data["plan"]["now"][0]["area"] == "Vivienda"


def test_an_english_speaking_clients_pdf_stays_english(client, coach, client_user):
    _record(coach, client_user)
    sign_in(client, client_user)
    text = _pdf_text(client)
    assert "The record of" in text and "Part of life: Housing" in text and "Page 1" in text
    assert "Vivienda" not in text and "El expediente" not in text


def test_who_viewed_my_record_reads_in_spanish(client, coach, client_user):
    audit_record(actor=coach, action="plan.view", obj=client_user, client=client_user)
    sign_in(client, _spanish(client_user))
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert f"{coach.display_name} (coach) miró tu plan de recuperación" in page
    assert "Cada vez que alguien del equipo abre" in page and "Mis consentimientos</a>" in page
    assert "looked at your recovery plan" not in page and "Every time a member" not in page

    client_user.language = "en"
    client_user.save(update_fields=["language"])
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert f"{coach.display_name} (coach) looked at your recovery plan" in page


def test_my_time_with_us_reads_in_spanish(client, coach, client_user):
    episode_open(
        actor=coach,
        client=client_user,
        intake_date=today() - timedelta(days=100),
        referral_source=source("Family or friend"),
    )
    episode_discharge(
        actor=coach, client=client_user, discharge_date=today() - timedelta(days=60), reason="moved"
    )
    admit(coach, client_user, days_ago=5)
    sign_in(client, _spanish(client_user))
    body = client.get(reverse("coaching:episodes", args=[client_user.pk])).content.decode()
    for spanish in (
        "Mi tiempo con nosotros",
        "y esto sigue.",
        " de 20",  # "Empezaste con nosotros el 1 de septiembre de 2026"
        "Terminó porque: se mudó.",
        "Llegaste a nosotros por: familia o amistades.",
        "0 sesiones hechas, 0 chequeos, 0 planes acordados.",
    ):
        assert spanish in body, spanish
    for english in ("My time with us", "still going", "moved away", "family or friend", "held"):
        assert english not in body, english


def test_a_spanish_speaking_coach_logs_a_record_request_in_spanish(client, coach, client_user):
    sign_in(client, _spanish(coach))
    url = reverse("coaching:client_record_requests", args=[client_user.pk])
    page = client.get(url).content.decode()
    assert "Anotar una solicitud" in page and "El cliente pide" in page
    assert "Log a request" not in page
    response = client.post(url, {"kind": "access", "asked": "", "received_on": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "Di qué pidió el cliente." in body
    assert "Say what the client asked for." not in body
