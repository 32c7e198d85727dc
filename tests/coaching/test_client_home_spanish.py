"""The client's home in the client's language: the headings, the check-in
prompt, the plan's figures, each session's line (who, how, its status) and
the empty states; the same two statements in either language. An
English-speaking client still reads English."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from sessions_log.models import Note, Session
from tests.coaching.spanish_helpers import english_left
from tests.helpers import _requested, count_queries, plan_with, sign_in

pytestmark = pytest.mark.django_db

# The session and its person, the prepared statement
# (tests/coaching/test_client_home_sql.py).
CLIENT_HOME_STATEMENTS = 2


@pytest.fixture(autouse=True)
def _english_after():
    # A request activates its reader's language for the rest of the thread:
    # the next test starts in the site's.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _session(coach, client, starts, *, status="scheduled", modality="in_person", **fields):
    return Session.objects.create(
        coach=coach,
        client=client,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        modality=modality,
        status=status,
        created_by=coach,
        cancelled_at=starts if status == "cancelled" else None,
        **fields,
    )


def _full_home(coach, client) -> None:
    """Something in every part of the home: a check-in to answer, a plan with
    a step to try, a session planned, one past with its next steps signed."""
    _requested(coach, client)
    plan_with(coach, client, steps=1)
    _session(coach, client, datetime(2099, 3, 2, 15, 0, tzinfo=UTC), location="Room 4")
    past = _session(
        coach, client, datetime(2025, 3, 3, 9, 0, tzinfo=UTC), status="no_show", modality="video"
    )
    later = datetime(2025, 3, 4, tzinfo=UTC)
    Note.objects.create(session=past, author=coach, next_steps="Caminar", signed_at=later)


def _home(client, **headers):
    url = reverse("coaching:client_home")
    client.get(url)  # the first request of a login records the session
    return count_queries(client.get, url, **headers)


def test_the_home_speaks_spanish(client, coach, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    _full_home(coach, client_user)
    sign_in(client, client_user)
    statements, response = _home(client, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()

    assert "<h1>Mis sesiones</h1>" in page and "Un chequeo rápido" in page
    assert re.search(r"¿Cómo te sentiste en tu cita del [a-záéíóú]+ \d+ de [a-z]+\?", page)
    assert "Tu coach es <strong>Casey</strong>." in page
    assert "Tu plan de recuperación: 1 paso por probar; pasos hechos: 0." in page
    assert ">Próximas</h2>" in page and ">Anteriores</h2>" in page
    # Monday 2 March 2099: the day and month in Spanish.
    assert ">lun 2 Mar, 15:00</time>" in page
    assert "Con Casey · En persona</p>" in page and "Lugar: Room 4" in page
    assert "Con Casey · Por videollamada · Inasistencia" in page
    assert "Próximos pasos que acordamos:" in page and "Agregar al calendario" in page
    assert english_left(page) == []
    assert statements == CLIENT_HOME_STATEMENTS


def test_an_empty_home_speaks_spanish(client, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    sign_in(client, client_user)
    page = _home(client)[1].content.decode()
    assert "Todavía no tienes sesiones programadas." in page
    assert "Todavía no tienes sesiones anteriores." in page
    assert "escribe con tu coach lo que te importa" in page
    assert english_left(page) == []


def test_an_english_client_still_reads_english_at_the_same_cost(client, coach, client_user):
    _full_home(coach, client_user)
    sign_in(client, client_user)
    statements, response = _home(client, HTTP_ACCEPT_LANGUAGE="es")
    page = response.content.decode()
    assert "<h1>My sessions</h1>" in page and "A quick check-in" in page
    assert "Your recovery plan: 1 step to try, 0 done." in page
    assert "With Casey · In person</p>" in page and "With Casey · Video · No-show" in page
    assert "Mis sesiones" not in page and "Con Casey" not in page
    assert statements == CLIENT_HOME_STATEMENTS
