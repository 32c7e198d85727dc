"""What an autosave of a draft note costs (issue 30, point 1): the same
statements however many plan goals the coach ticks, each read once; the lock,
the audit row and the saved words kept."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from coaching.models import NoteGoal
from sessions_log.models import Note
from sessions_log.services.notes import note_open, note_save_draft, note_sign
from tests.helpers import count_queries, past_contact, plan_with, sign_in

# The session and its person, the note read and locked in one statement
# with what the form checks against (the service names, the plan goals and
# the words the note has for them: 404 for one the coach may not see), its
# texts and its audit row in one statement, the goal links removed and
# written in one more, only when they changed (+ SAVEPOINT and RELEASE of
# the transaction in a test). It was 13 with goals ticked (11 without):
# the note read twice, the service names and the goals read apart, the
# links read, removed and written, the audit row apart.
AUTOSAVE_WITH_GOALS_STATEMENTS = 6
AUTOSAVE_GOALS_UNCHANGED_STATEMENTS = 5


def _autosave(client, note, goals, words):
    data = {"narrative": "Typed so far", "plan_goals": [goal.pk for goal in goals]}
    data.update({f"plan_goal_words_{goal.pk}": words for goal in goals})
    url = reverse("sessions_log:note_draft", args=[note.pk])
    queries, response = count_queries(client.post, url, data, HTTP_HX_REQUEST="true")
    assert "Draft saved" in response.content.decode()
    return queries


@pytest.mark.django_db
@pytest.mark.parametrize("ticked", [1, 50])
def test_an_autosave_costs_the_same_however_many_goals_are_ticked(
    client, coach, client_user, ticked
):
    goals = plan_with(coach, client_user, goals=ticked, steps=0)
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=2)))
    sign_in(client, coach)
    client.get(reverse("coaching:coach_home"))  # the login's first request records it
    first = _autosave(client, note, goals[:ticked], "Looked at flats")
    again = _autosave(client, note, goals[:ticked], "Looked at two flats")
    fewer = _autosave(client, note, goals[:1], "Viewing")
    unchanged = _autosave(client, note, goals[:1], "Viewing")
    assert first == again == fewer == AUTOSAVE_WITH_GOALS_STATEMENTS
    assert unchanged == AUTOSAVE_GOALS_UNCHANGED_STATEMENTS
    links = NoteGoal.objects.filter(note=note)
    assert [(link.goal_id, link.words) for link in links] == [(goals[0].pk, "Viewing")]
    assert Note.objects.get(pk=note.pk).narrative == "Typed so far"


@pytest.mark.django_db
@pytest.mark.parametrize("goals", [1, 50])
def test_an_autosave_of_the_narrative_alone_costs_the_same_and_is_audited(
    client, coach, client_user, goals
):
    plan_with(coach, client_user, goals=goals, steps=0)
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=2)))
    sign_in(client, coach)
    client.get(reverse("coaching:coach_home"))
    url = reverse("sessions_log:note_draft", args=[note.pk])
    queries, response = count_queries(
        client.post, url, {"narrative": "Talked about work"}, HTTP_HX_REQUEST="true"
    )
    assert "Draft saved" in response.content.decode()
    assert queries == AUTOSAVE_GOALS_UNCHANGED_STATEMENTS
    assert Note.objects.get(pk=note.pk).narrative == "Talked about work"
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert (event.action, event.object_id, event.client_id) == (
        "note.save_draft",
        str(note.pk),
        client_user.pk,
    )


@pytest.mark.django_db
def test_an_autosave_of_another_coachs_note_is_not_found_and_changes_nothing(
    client, coach, other_coach, client_user
):
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=2)))
    sign_in(client, other_coach)
    url = reverse("sessions_log:note_draft", args=[note.pk])
    response = client.post(url, {"narrative": "Not mine"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert Note.objects.get(pk=note.pk).narrative == ""


@pytest.mark.django_db
def test_an_autosave_of_a_signed_note_says_not_saved_and_changes_nothing(
    client, coach, client_user
):
    session = past_contact(coach, client_user, timedelta(hours=2))
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Final words")
    note_sign(actor=coach, note=note)
    sign_in(client, coach)
    url = reverse("sessions_log:note_draft", args=[note.pk])
    queries, response = count_queries(
        client.post, url, {"narrative": "Changed"}, HTTP_HX_REQUEST="true"
    )
    assert "Not saved" in response.content.decode()
    assert queries <= AUTOSAVE_WITH_GOALS_STATEMENTS
    assert Note.objects.get(pk=note.pk).narrative == "Final words"
    assert not AuditEvent.objects.filter(request_id=response["X-Request-ID"]).exists()
