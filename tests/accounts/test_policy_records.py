"""The acting scopes of sessions and notes (accounts/policy/records.py):
who may change a record, beside who may read it. Each refusal changes
nothing, and the reader keeps reading."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from sessions_log.models import Addendum, Note, NoteReview, Session
from sessions_log.selectors import notes_visible_to, sessions_visible_to
from sessions_log.selectors.sessions import permissions_for
from sessions_log.services.notes import addendum_add, note_open, note_review, note_save_draft
from sessions_log.services.sessions import (
    session_billing_set,
    session_cancel,
    session_close,
    session_reschedule,
    session_schedule,
)
from tests.conftest import make_user
from tests.helpers import past_contact, signed_contact


def _upcoming(coach, client_user):
    return session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=1),
        duration=timedelta(hours=1),
        modality="phone",
    )


def _move_client(client_user, to_coach):
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    CaseloadAssignment.objects.create(coach=to_coach, client=client_user)


@pytest.fixture
def successor(team):
    return make_user("drew@example.org", Role.COACH, name="Drew Successor", team=team)


@pytest.mark.django_db
def test_a_former_coach_cannot_move_cancel_or_close_a_session(coach, client_user, successor):
    session = _upcoming(coach, client_user)
    _move_client(client_user, successor)
    for change in (
        lambda: session_cancel(actor=coach, session=session, reason="no"),
        lambda: session_reschedule(
            actor=coach,
            session=session,
            starts_at=timezone.now() + timedelta(days=2),
            duration=timedelta(hours=1),
        ),
        lambda: session_close(actor=coach, session=session, status="completed"),
    ):
        with pytest.raises(PermissionDenied):
            change()
    fresh = Session.objects.get(pk=session.pk)
    assert (fresh.status, fresh.starts_at, fresh.sequence) == (
        "scheduled",
        session.starts_at,
        session.sequence,
    )


@pytest.mark.django_db
def test_a_supervisor_reads_a_session_but_cannot_change_it(coach, client_user, supervisor):
    session = _upcoming(coach, client_user)
    assert sessions_visible_to(supervisor).filter(pk=session.pk).exists()
    with pytest.raises(PermissionDenied):
        session_cancel(actor=supervisor, session=session, reason="no")
    assert Session.objects.get(pk=session.pk).status == "scheduled"
    perms = permissions_for(supervisor, session)
    assert not (perms.can_change or perms.can_close or perms.can_bill or perms.can_coach)
    assert permissions_for(coach, session).can_change


@pytest.mark.django_db
def test_the_coach_is_told_a_closed_session_cannot_change(coach, client_user):
    session = _upcoming(coach, client_user)
    session_cancel(actor=coach, session=session, reason="Ill")
    with pytest.raises(ValidationError, match="already cancelled"):
        session_cancel(actor=coach, session=session, reason="again")
    assert not permissions_for(coach, session).can_change


@pytest.mark.django_db
def test_a_former_coach_cannot_set_what_a_session_bills(coach, client_user, successor):
    session = past_contact(coach, client_user, timedelta(hours=2))
    _move_client(client_user, successor)
    with pytest.raises(PermissionDenied):
        session_billing_set(
            actor=coach,
            session=session,
            place_type="home",
            service_code=None,
            funding_programme=None,
        )
    assert Session.objects.get(pk=session.pk).place_type == "office"


@pytest.mark.django_db
def test_a_successor_reads_the_signed_note_but_cannot_add_to_it(coach, client_user, successor):
    _session, note = signed_contact(coach, client_user)
    _move_client(client_user, successor)
    assert notes_visible_to(successor).filter(pk=note.pk).exists()
    with pytest.raises(PermissionDenied):
        addendum_add(actor=successor, note=note, text="Not mine to add")
    with pytest.raises(PermissionDenied):
        addendum_add(actor=coach, note=note, text="No longer mine either")
    assert not Addendum.objects.exists()


@pytest.mark.django_db
def test_only_the_sessions_coach_writes_its_draft(coach, client_user, supervisor, other_coach):
    session = past_contact(coach, client_user, timedelta(hours=2))
    note = note_open(actor=coach, session=session)
    for outsider in (supervisor, other_coach):
        with pytest.raises(PermissionDenied):
            note_save_draft(actor=outsider, note=note, narrative="Not theirs")
    assert Note.objects.get(pk=note.pk).narrative == ""
    assert notes_visible_to(supervisor).filter(pk=note.pk).exists()


@pytest.mark.django_db
def test_only_a_supervisor_of_the_team_reviews_a_waiting_note(
    coach, client_user, supervisor, other_team
):
    _session, note = signed_contact(coach, client_user)
    stranger = make_user("kim@example.org", Role.SUPERVISOR, name="Kim", team=other_team)
    for outsider in (coach, stranger):
        with pytest.raises(PermissionDenied):
            note_review(actor=outsider, note=note, decision="cosigned")
    assert not NoteReview.objects.exists()
    note_review(actor=supervisor, note=note, decision="cosigned")
    with pytest.raises(ValidationError, match="not waiting for your review"):
        note_review(actor=supervisor, note=note, decision="cosigned")
    assert NoteReview.objects.count() == 1
