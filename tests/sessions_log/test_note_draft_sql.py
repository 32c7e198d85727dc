"""The note autosave's read from one prepared statement
(sessions_log/selectors/note_draft_sql.py `note_draft_for_change`), held
equal to the ORM selector it replaced, which stays as the reference
(sessions_log/selectors/notes.py `note_draft_for_change_orm`): for every
kind of viewer and every note of a varied organisation, the same answer (a
404, a refusal, or the same note with what its form checks against)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import NoteGoal
from sessions_log.models import Note, ServiceType
from sessions_log.selectors.note_draft_sql import note_draft_for_change
from sessions_log.selectors.notes import note_draft_for_change_orm
from sessions_log.services.notes import note_open
from tests.accounts.test_policy_sql import every_kind_of_viewer
from tests.helpers import (
    count_queries,
    past_contact,
    plan_with,
    sign_in,
    signed_contact,
    varied_organisation,
)
from tests.sessions_log.test_notes_views_cost import AUTOSAVE_GOALS_UNCHANGED_STATEMENTS

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _answer(selector, viewer, pk):
    try:
        note = selector(viewer, pk)
    except Http404:
        return "not found"
    except PermissionDenied:
        return "refused"
    return (
        note.pk,
        note.session_id,
        note.updated_at,
        note.signed_at,
        note.is_signed,
        note.may_write,
        note.session_client_id,
        note.service_names,
        note.seen_updated_at,
        getattr(note, "plan_goal_rows", None),
    )


def _with_plans(people) -> None:
    """Plans of a few goals for some of the clients with a coach now, and
    some of their drafts' goals ticked, with words or without."""
    drafts = Note.objects.filter(signed_at__isnull=True).select_related("session")
    by_client = {}
    for draft in drafts:
        by_client.setdefault(draft.session.client_id, []).append(draft)
    active = CaseloadAssignment.objects.filter(ended_at__isnull=True).select_related(
        "coach", "client"
    )
    planned = 0
    for n, relationship in enumerate(active.order_by("pk")):
        if n % 3 or not relationship.coach.is_active:
            continue
        goals = plan_with(relationship.coach, relationship.client, goals=1 + n % 4, steps=0)
        for m, draft in enumerate(by_client.get(relationship.client_id, [])):
            for goal in goals[: m + 1]:
                NoteGoal.objects.create(note=draft, goal=goal, words="flats" if m else "")
        planned += 1
    assert planned and NoteGoal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_the_statement_answers_every_viewer_as_the_orm_read(coach, supervisor, admin_user, seed):
    people = varied_organisation(seed, coach, supervisor, NOW)
    _with_plans(people)
    ServiceType.objects.create(name="Zz retired", active=False)
    ServiceType.objects.create(name="Aa peer support")
    notes = list(Note.objects.order_by("pk").values_list("pk", flat=True))
    answers = set()
    for viewer in every_kind_of_viewer(people, coach, supervisor, admin_user):
        for pk in [*notes, max(notes) + 1, 2**63, 0]:
            expected = _answer(note_draft_for_change_orm, viewer, pk)
            assert _answer(note_draft_for_change, viewer, pk) == expected, (viewer, pk)
            answers.add(expected if isinstance(expected, str) else "note")
            if isinstance(expected, tuple) and expected[-1]:
                answers.add("with goals")
    # Varied enough to mean something: each answer given, goals read.
    assert answers == {"not found", "refused", "note", "with goals"}


@pytest.mark.django_db
def test_a_coach_who_reads_a_signed_note_but_did_not_write_it_is_refused_and_nothing_changes(
    client, coach, other_coach, client_user
):
    """A successor coach reads an earlier coach's signed note (continuity of
    care) and writes nothing in it: a 403, the same as before the
    statement, with no audit row of a save."""
    _, note = signed_contact(coach, client_user, hours_ago=5)
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    CaseloadAssignment.objects.create(coach=other_coach, client=client_user)
    sign_in(client, other_coach)
    url = reverse("sessions_log:note_draft", args=[note.pk])
    response = client.post(url, {"narrative": "Not mine"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert Note.objects.get(pk=note.pk).narrative == "Talked"
    assert not AuditEvent.objects.filter(action="note.save_draft", actor=other_coach).exists()


@pytest.mark.django_db
def test_an_autosave_offers_and_saves_only_the_active_services(client, coach, client_user):
    ServiceType.objects.create(name="Retired service", active=False)
    ServiceType.objects.create(name="Walk and talk")
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=2)))
    sign_in(client, coach)
    url = reverse("sessions_log:note_draft", args=[note.pk])
    refused = client.post(url, {"services": ["Retired service"]}, HTTP_HX_REQUEST="true")
    assert "Not saved" in refused.content.decode()
    saved = client.post(url, {"services": ["Walk and talk"]}, HTTP_HX_REQUEST="true")
    assert "Draft saved" in saved.content.decode()
    assert Note.objects.get(pk=note.pk).services == ["Walk and talk"]


@pytest.mark.django_db
def test_the_statement_is_prepared_once_per_connection(client, coach, client_user):
    """PostgreSQL plans the autosave's read once per connection, not on
    every save; the save stays as many statements as before."""
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=2)))
    sign_in(client, coach)
    client.get(reverse("coaching:coach_home"))
    url = reverse("sessions_log:note_draft", args=[note.pk])
    for n in range(7):
        queries, response = count_queries(
            client.post, url, {"narrative": f"Typed {n}"}, HTTP_HX_REQUEST="true"
        )
        assert "Draft saved" in response.content.decode()
        assert queries == AUTOSAVE_GOALS_UNCHANGED_STATEMENTS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%AS seen_updated_at%FOR UPDATE OF n%"],
        )
        (executions,) = cursor.fetchone()
    assert executions >= 7
    assert Note.objects.get(pk=note.pk).narrative == "Typed 6"
