"""Two saves of one draft at once (two tabs): the second waits for the
note's lock, and what it saves over is what the first committed."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from coaching.models import NoteGoal
from coaching.services.plans import note_goals_set
from sessions_log import hooks
from sessions_log.forms import NoteForm
from sessions_log.models import Note
from sessions_log.services.notes import note_draft_autosave, note_open
from tests.helpers import past_contact, plan_with


def _form(note, data):
    form = NoteForm(data, service_names=note.service_names)
    form.fields.update(hooks.note_goals.form_fields(note))
    return form


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_save_that_waited_for_the_lock_sees_the_goals_the_first_one_ticked(coach, client_user):
    goals = plan_with(coach, client_user, goals=2, steps=0)
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=2)))
    first_holds_lock, second_done = threading.Event(), threading.Event()
    outcome = {}

    def second():
        try:
            first_holds_lock.wait(5)
            # Ticks nothing: the goal the first save ticks must come off.
            outcome["saved"] = note_draft_autosave(
                actor=coach, pk=note.pk, data={"narrative": "second"}, form_for=_form
            )[2]
        finally:
            connection.close()
            second_done.set()

    worker = threading.Thread(target=second)
    worker.start()
    with transaction.atomic():
        locked = Note.objects.select_for_update().get(pk=note.pk)
        first_holds_lock.set()
        deadline = time.monotonic() + 5
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.01)  # the second save's statement has begun and waits
        locked.session = note.session
        note_goals_set(actor=coach, note=locked, goals={goals[0].pk: "flats"})
        Note.objects.filter(pk=note.pk).update(
            narrative="first", updated_at=locked.updated_at + timedelta(seconds=1)
        )
    second_done.wait(10)
    worker.join()
    assert outcome["saved"] is True
    assert Note.objects.get(pk=note.pk).narrative == "second"
    assert not NoteGoal.objects.filter(note=note).exists()
