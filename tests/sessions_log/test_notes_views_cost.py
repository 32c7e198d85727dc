"""What an autosave of a draft note costs (issue 30, point 1): the same
statements however many plan goals the coach ticks, each read once; the lock,
the audit row and the saved words kept."""

from datetime import timedelta

import pytest
from django.urls import reverse

from coaching.models import NoteGoal
from sessions_log.models import Note
from sessions_log.services.notes import note_open
from tests.helpers import count_queries, past_contact, plan_with, sign_in

# The session and its person, the note (404 for one the coach may not see),
# the service names and plan goals the form checks against, the note locked
# for writing, its UPDATE, the goals it may record, the links it had (one
# read), the links removed, the links written (one statement), the audit
# row (+ SAVEPOINT and RELEASE of the transaction in a test). It grew by one
# statement for each goal ticked or changed.
AUTOSAVE_WITH_GOALS_STATEMENTS = 13


def _autosave(client, note, goals, words):
    data = {"narrative": "Typed so far", "plan_goals": [goal.pk for goal in goals]}
    data.update({f"plan_goal_words_{goal.pk}": words for goal in goals})
    url = reverse("sessions_log:note_draft", args=[note.pk])
    queries, response = count_queries(client.post, url, data, HTTP_HX_REQUEST="true")
    assert "Draft saved" in response.content.decode()
    return queries


@pytest.mark.django_db
@pytest.mark.parametrize("ticked", [1, 6])
def test_an_autosave_costs_the_same_however_many_goals_are_ticked(
    client, coach, client_user, ticked
):
    goals = plan_with(coach, client_user, goals=6)
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=2)))
    sign_in(client, coach)
    client.get(reverse("coaching:coach_home"))  # the login's first request records it
    first = _autosave(client, note, goals[:ticked], "Looked at flats")
    again = _autosave(client, note, goals[:ticked], "Looked at two flats")
    fewer = _autosave(client, note, goals[:1], "Viewing")
    assert first == again == fewer == AUTOSAVE_WITH_GOALS_STATEMENTS
    links = NoteGoal.objects.filter(note=note)
    assert [(link.goal_id, link.words) for link in links] == [(goals[0].pk, "Viewing")]
    assert Note.objects.get(pk=note.pk).narrative == "Typed so far"
