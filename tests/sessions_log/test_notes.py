from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from sessions_log.models import Note, Session
from sessions_log.selectors import notes_to_finish, notes_visible_to, review_queue
from sessions_log.selectors.notes import permissions_for
from sessions_log.services.notes import (
    addendum_add,
    note_open,
    note_review,
    note_save_draft,
    note_sign,
    note_states_recompute,
)
from sessions_log.services.sessions import session_schedule
from tests.helpers import past_contact

CANARY = "CANARY-7f3e-narrative-secret"


def _closed_session(coach, client_user, status="completed", hours_ago=2):
    return (
        past_contact(coach, client_user, timedelta(hours=hours_ago))
        if status == "completed"
        else _no_show(coach, client_user, hours_ago)
    )


def _no_show(coach, client_user, hours_ago):
    session = past_contact(coach, client_user, timedelta(hours=hours_ago))
    Session.objects.filter(pk=session.pk).update(status="no_show")
    session.refresh_from_db()
    return session


def _signed_note(coach, client_user, hours_ago=2, **fields):
    session = _closed_session(coach, client_user, hours_ago=hours_ago)
    note = note_open(actor=coach, session=session)
    fields.setdefault("narrative", f"We talked. {CANARY}")
    note_save_draft(actor=coach, note=note, **fields)
    return note_sign(actor=coach, note=note)


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.django_db
def test_a_coach_drafts_and_signs_a_note(coach, client_user):
    note = _signed_note(coach, client_user, next_steps="Call the housing office", goals="Work")
    assert note.is_signed
    assert Note.objects.get(pk=note.pk).narrative.endswith(CANARY)
    actions = set(AuditEvent.objects.filter(client=client_user).values_list("action", flat=True))
    assert {"note.create", "note.save_draft", "note.sign"} <= actions


@pytest.mark.django_db
def test_the_database_never_holds_the_narrative_in_plain_text(coach, client_user):
    _signed_note(coach, client_user, client_words=f"My words {CANARY}")
    rows = _raw("SELECT narrative, client_words FROM sessions_log_note")
    assert rows and all(CANARY not in column for row in rows for column in row)
    # Nor does the audit trail.
    assert not _raw(
        "SELECT 1 FROM accounts_auditevent WHERE row_to_json(accounts_auditevent)::text LIKE %s",
        [f"%{CANARY}%"],
    )


@pytest.mark.django_db
def test_raw_sql_cannot_change_or_delete_a_signed_note(coach, client_user):
    note = _signed_note(coach, client_user)
    for sql in (
        "UPDATE sessions_log_note SET next_steps = 'changed' WHERE id = %s",
        "UPDATE sessions_log_note SET narrative = 'x' WHERE id = %s",
        "DELETE FROM sessions_log_note WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="signed note cannot be changed"),
            transaction.atomic(),
        ):
            _raw(sql, [note.pk])
    assert Note.objects.get(pk=note.pk).narrative.endswith(CANARY)


@pytest.mark.django_db
def test_editing_a_signed_note_is_refused_clearly(coach, client_user):
    note = _signed_note(coach, client_user)
    with pytest.raises(ValidationError, match="Add an addendum instead"):
        note_save_draft(actor=coach, note=note, narrative="rewritten")


@pytest.mark.django_db
def test_a_note_needs_a_narrative_before_signing(coach, client_user):
    note = note_open(actor=coach, session=_closed_session(coach, client_user))
    with pytest.raises(ValidationError, match="Write what happened"):
        note_sign(actor=coach, note=note)
    assert not Note.objects.get(pk=note.pk).is_signed


@pytest.mark.django_db
def test_addenda_are_append_only_and_shown_in_order(coach, client_user):
    note = _signed_note(coach, client_user)
    first = addendum_add(actor=coach, note=note, text="First correction")
    addendum_add(actor=coach, note=note, text="Second correction")
    assert [a.text for a in note.addenda.all()] == ["First correction", "Second correction"]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("DELETE FROM sessions_log_addendum WHERE id = %s", [first.pk])


@pytest.mark.django_db
def test_notes_are_for_closed_sessions_by_their_current_coach(coach, other_coach, client_user):
    scheduled = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=1),
        duration=timedelta(hours=1),
        modality="phone",
    )
    with pytest.raises(ValidationError, match="completed sessions"):
        note_open(actor=coach, session=scheduled)
    closed = _closed_session(coach, client_user)
    with pytest.raises(PermissionDenied):
        note_open(actor=other_coach, session=closed)


@pytest.mark.django_db
def test_overdue_and_draft_notes_are_listed_for_the_coach(coach, client_user, settings):
    settings.NOTE_DUE_HOURS = 72
    old = _closed_session(coach, client_user, hours_ago=100)
    recent = _closed_session(coach, client_user, hours_ago=3)
    note_open(actor=coach, session=recent)
    done = _signed_note(coach, client_user, hours_ago=5)
    rows = {s.pk: s for s in notes_to_finish(coach)}
    assert set(rows) == {old.pk, recent.pk}
    assert rows[old.pk].note_due_at < timezone.now() < rows[recent.pk].note_due_at
    assert rows[recent.pk].has_draft and not rows[old.pk].has_draft
    assert done.session_id not in rows


@pytest.mark.django_db
def test_supervisor_cosigns_or_returns_and_a_returned_note_comes_back(
    coach, client_user, supervisor
):
    note = _signed_note(coach, client_user)
    assert list(review_queue(supervisor)) == [note.session]
    with pytest.raises(ValidationError, match="Say what the coach"):
        note_review(actor=supervisor, note=note, decision="returned", comment=" ")
    note_review(actor=supervisor, note=note, decision="returned", comment="Add goals")
    assert list(review_queue(supervisor)) == []
    addendum_add(actor=coach, note=note, text="Goals: find work")
    assert list(review_queue(supervisor)) == [note.session]
    note_review(actor=supervisor, note=note, decision="cosigned")
    assert list(review_queue(supervisor)) == []
    with pytest.raises(ValidationError, match="not waiting"):
        note_review(actor=supervisor, note=note, decision="cosigned")


@pytest.mark.django_db
def test_the_queue_is_oldest_first_and_only_the_supervisors_team(
    coach, client_user, supervisor, other_coach, other_client
):
    first = _signed_note(coach, client_user, hours_ago=5)
    _signed_note(other_coach, other_client)
    second = _signed_note(coach, client_user, hours_ago=3)
    assert list(review_queue(supervisor)) == [first.session, second.session]


@pytest.mark.django_db
def test_after_reassignment_the_former_coach_sees_no_notes(coach, other_coach, client_user):
    note = _signed_note(coach, client_user)
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    CaseloadAssignment.objects.create(coach=other_coach, client=client_user)
    assert list(notes_visible_to(coach)) == []
    assert list(notes_visible_to(other_coach)) == [note]


@pytest.mark.django_db
def test_rotating_keys_reencrypts_signed_notes(coach, client_user, settings):
    note = _signed_note(coach, client_user)
    addendum_add(actor=coach, note=note, text="More words")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    fresh = Note.objects.get(pk=note.pk)
    assert fresh.narrative.endswith(CANARY) and fresh.signed_at == note.signed_at
    assert fresh.addenda.get().text == "More words"


@pytest.mark.django_db
def test_the_note_state_the_services_keep_is_what_the_records_say(coach, client_user, supervisor):
    """Session.note_state is written by the services; NOTE_STATES_SQL (the
    migration's backfill and the repair) derives it from the notes, reviews
    and addenda. Both must agree in every state."""
    to_write = _closed_session(coach, client_user, hours_ago=30)
    draft = _closed_session(coach, client_user, hours_ago=26)
    note_open(actor=coach, session=draft)
    awaiting = _signed_note(coach, client_user, hours_ago=22)
    addendum_add(actor=coach, note=awaiting, text="One more thing")  # still waiting
    returned = _signed_note(coach, client_user, hours_ago=18)
    note_review(actor=supervisor, note=returned, decision="returned", comment="More")
    back = _signed_note(coach, client_user, hours_ago=14)
    note_review(actor=supervisor, note=back, decision="returned", comment="More")
    addendum_add(actor=coach, note=back, text="Added the goals")
    addendum_add(actor=coach, note=back, text="And the next steps")
    cosigned = _signed_note(coach, client_user, hours_ago=10)
    note_review(actor=supervisor, note=cosigned, decision="cosigned")
    expected = {
        to_write.pk: "to_write",
        draft.pk: "to_write",
        awaiting.session_id: "awaiting_cosign",
        returned.session_id: "returned",
        back.session_id: "awaiting_cosign",
        cosigned.session_id: "cosigned",
    }

    def states():
        return dict(Session.objects.values_list("pk", "note_state"))

    kept = dict(Session.objects.values_list("pk", "note_state_at"))
    assert states() == expected
    assert note_states_recompute() == 0  # nothing to repair
    Session.objects.update(note_state="none", note_state_at=None)
    assert note_states_recompute() == len(expected)
    assert states() == expected
    assert dict(Session.objects.values_list("pk", "note_state_at")) == kept


@pytest.mark.django_db
def test_a_notes_buttons_follow_who_may_write_and_who_may_review(
    coach, client_user, supervisor, other_coach
):
    note = _signed_note(coach, client_user)
    mine, supervisors = permissions_for(coach, note), permissions_for(supervisor, note)
    assert (mine.can_write, mine.can_review) == (True, False)
    assert (supervisors.can_write, supervisors.can_review) == (False, True)
    for outsider in (client_user, other_coach):
        flags = permissions_for(outsider, note)
        assert not flags.can_write and not flags.can_review
    note_review(actor=supervisor, note=note, decision="cosigned")
    assert not permissions_for(supervisor, note).can_review  # no longer waiting
    CaseloadAssignment.objects.filter(coach=coach, client=client_user).update(
        ended_at=timezone.now()
    )
    assert not permissions_for(coach, note).can_write  # a former coach writes nothing
