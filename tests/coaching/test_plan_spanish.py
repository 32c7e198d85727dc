"""The recovery plan in Spanish for a client who chose it (issue 31): the
plan page, its printable page, its history and the refusals and thanks it
shows, in Spanish with no English sentence left; an English-speaking client
still reads English."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Step
from coaching.services.plans import goal_add, step_add, step_progress
from tests.coaching.test_plans_views_revisions import revision_on
from tests.helpers import agree, area, sign_in

pytestmark = pytest.mark.django_db


def _spanish(person):
    person.language = "es"
    person.save(update_fields=["language"])
    return person


def _plan(coach, client_user):
    """One goal (Housing) with a step the coach suggested, due in December,
    that the client has started."""
    goal = goal_add(
        actor=client_user, client=client_user, area=area(), words="Keep my flat", why="Mine"
    )
    step = step_add(
        actor=coach,
        goal=goal,
        action="Call the landlord",
        who=Step.Who.BOTH,
        suggested_by=Step.SuggestedBy.COACH,
        target_date=timezone.localdate().replace(month=12, day=20) + timedelta(days=365),
    )
    step_progress(actor=client_user, step=step, state=Step.State.TRYING)
    return goal


def _get(client, name, client_user) -> str:
    response = client.get(reverse(name, args=[client_user.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_a_spanish_speaking_client_their_plan_in_spanish(client, coach, client_user):
    _plan(coach, _spanish(client_user))
    sign_in(client, client_user)
    page = _get(client, "coaching:plan", client_user)
    for spanish in (
        "Mi plan de recuperación",
        "Vivienda",  # the life area, stored in English
        "Los dos juntos",  # who takes the step
        "idea del coach",
        "Intentándolo",  # how it is going
        "dic",  # the step's date, month in Spanish
        "¿Cómo va?",
        "Cómo te fue (si quieres)",
        "Agregar una meta",
        "Tu meta, con tus propias palabras",  # the form's label
        "Acordar el plan",
        "El plan queda acordado cuando tú lo aceptas y tu coach lo firma.",
        "Acepto este plan: estas son mis metas y los pasos que vamos a intentar.",
    ):
        assert spanish in page, spanish
    for english in (
        "My recovery plan",
        "Housing",
        "Both together",
        "idea of the coach",
        "How is it going?",
        "Add a goal",
        "The plan is agreed when",
        "I agree to this plan",
    ):
        assert english not in page, english
    # What the client wrote stays as they wrote it.
    assert "Keep my flat" in page and "Call the landlord" in page


def test_an_english_speaking_client_still_reads_their_plan_in_english(client, coach, client_user):
    _plan(coach, client_user)
    sign_in(client, client_user)
    page = _get(client, "coaching:plan", client_user)
    assert "My recovery plan" in page and "Housing" in page and "idea of the coach" in page
    assert "Both together" in page and "How is it going?" in page
    assert "Mi plan de recuperación" not in page and "Vivienda" not in page


def test_it_prints_the_plan_and_its_history_in_spanish(client, coach, client_user):
    goal = _plan(coach, _spanish(client_user))
    agree(coach, client_user)
    step_add(
        actor=client_user,
        goal=goal,
        action="Pay the rent on time",
        who=Step.Who.CLIENT,
        suggested_by=Step.SuggestedBy.CLIENT,
    )
    sign_in(client, client_user)
    printed = _get(client, "coaching:plan_print", client_user)
    assert "Plan de recuperación de" in printed and "(Vivienda)" in printed
    assert "intentándolo" in printed and "Imprimir" in printed
    assert "Borrador de la versión 2: los cambios desde la versión 1" in printed
    assert "Recovery plan of" not in printed and "Draft version" not in printed

    history = _get(client, "coaching:plan_history", client_user)
    for spanish in (
        "Historial de mi plan",
        "Versión 2 (borrador)",
        "Qué cambió",
        "Paso agregado: “Pay the rent on time” (El cliente)",
        "Meta agregada: “Keep my flat” (Vivienda)",
        "agregó una meta",  # who changed what
        "aceptó el plan",
    ):
        assert spanish in history, spanish
    for english in ("History of my plan", "Step added", "added a goal", "agreed to the plan"):
        assert english not in history, english


def test_it_answers_a_spanish_speaking_client_in_spanish(client, coach, client_user):
    _plan(coach, _spanish(client_user))
    sign_in(client, client_user)
    page = _get(client, "coaching:plan", client_user)
    draft = client_user.recovery_plan.versions.get()
    # A name that is not theirs: refused, in Spanish, on the form.
    response = client.post(
        reverse("coaching:plan_confirm", args=[draft.pk]),
        {"typed_name": "Someone Else", "confirmed": "on", "revision": revision_on(page)},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Escribe tu nombre como está en tu cuenta" in body
    assert "Type your name as it is on your account" not in body
    # Their own name: thanked in Spanish.
    response = client.post(
        reverse("coaching:plan_confirm", args=[draft.pk]),
        {"typed_name": client_user.display_name, "confirmed": "on", "revision": revision_on(page)},
        follow=True,
    )
    body = response.content.decode()
    assert "Gracias: aceptaste tu plan. Falta que tu coach lo firme." in body
    assert "Thank you" not in body
    # A step with nothing written: the form says so in Spanish.
    response = client.post(
        reverse("coaching:step_add", args=[client_user.pk]),
        {"goal": draft.plan.goals.get().pk, "action": "", "who": "client"},
    )
    body = response.content.decode()
    assert response.status_code == 400 and "Escribe el paso." in body
    assert "Write the step." not in body
