"""Staff see whether a client gets reminders by text, never the number
(issue 32, item 3): on the coach's page of the client and on the
supervisor's history of them, read in the queries those pages already run."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from sessions_log.models import TextNumber
from sessions_log.services.texts import (
    text_number_confirm,
    text_number_resume,
    text_number_start,
    text_number_stop,
)
from sessions_log.tasks import text_code_send
from tests.helpers import count_queries, sign_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
BADGE = "Gets reminders by text."
# Every way the number could be written: none may be on a staff page.
NUMBER_PARTS = ["+15558675309", "5558675309", "8675309", "867-5309", "867 5309", "5309"]


def _texting(sink, person) -> TextNumber:
    row = text_number_start(actor=person, number="+1 (555) 867-5309", consent=True)
    text_code_send(row.pk)
    code = re.search(r"\b(\d{6})\b", sink.messages[-1]["body"]).group(1)
    return text_number_confirm(actor=person, code=code)


def _html(client, viewer, name, person) -> str:
    sign_in(client, viewer)
    response = client.get(reverse(name, args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_coach_sees_that_the_client_gets_texts_and_nothing_of_the_number(
    texts_on, client, coach, client_user
):
    assert BADGE not in _html(client, coach, "coaching:client_timeline", client_user)
    _texting(texts_on, client_user)
    html = _html(client, coach, "coaching:client_timeline", client_user)
    assert f"Reads the app in English. {BADGE}" in html
    assert [part for part in NUMBER_PARTS if part in html] == []


@time_machine.travel(NOW, tick=False)
def test_the_supervisor_sees_it_on_the_clients_history(texts_on, client, supervisor, client_user):
    _texting(texts_on, client_user)
    html = _html(client, supervisor, "coaching:client_history", client_user)
    assert BADGE in html
    assert [part for part in NUMBER_PARTS if part in html] == []


@time_machine.travel(NOW, tick=False)
def test_texts_stopped_or_not_available_here_are_not_shown_as_on(
    texts_on, settings, client, coach, supervisor, client_user
):
    _texting(texts_on, client_user)
    text_number_stop(actor=client_user)
    assert BADGE not in _html(client, coach, "coaching:client_timeline", client_user)
    assert BADGE not in _html(client, supervisor, "coaching:client_history", client_user)
    text_number_resume(actor=client_user)
    assert BADGE in _html(client, coach, "coaching:client_timeline", client_user)
    settings.TWILIO_ACCOUNT_SID = ""  # the channel off: nothing goes by text
    assert BADGE not in _html(client, coach, "coaching:client_timeline", client_user)
    assert BADGE not in _html(client, supervisor, "coaching:client_history", client_user)


@time_machine.travel(NOW, tick=False)
def test_the_pages_run_as_many_statements_for_a_client_who_gets_texts(
    texts_on, client, coach, supervisor, client_user
):
    pages = [
        (coach, reverse("coaching:client_timeline", args=[client_user.pk])),
        (supervisor, reverse("coaching:client_history", args=[client_user.pk])),
    ]
    before = []
    for viewer, url in pages:
        sign_in(client, viewer)
        client.get(url)  # the first request of a login records the session
        before.append(count_queries(client.get, url)[0])
    _texting(texts_on, client_user)
    after = []
    for viewer, url in pages:
        sign_in(client, viewer)
        client.get(url)
        queries, response = count_queries(client.get, url)
        assert BADGE in response.content.decode()
        after.append(queries)
    assert before == after
