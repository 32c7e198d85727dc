"""The note counts kept per coach (sessions_log/services/note_counts.py):
every service that sets a note's state moves its coach's counts in the
same statement, a refused one moves nothing, and the recompute, drift and
repair say what the sessions say. The random sequences are
tests/coaching/test_figures_stateful.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role
from sessions_log.models import CoachNoteCounts, Session
from sessions_log.services.note_counts import note_counts_drift, note_counts_repair
from sessions_log.services.notes import (
    addendum_add,
    note_open,
    note_review,
    note_save_draft,
    note_sign,
    note_states_recompute,
)
from sessions_log.services.sessions import contact_log, session_close, session_schedule
from tests.coaching.test_figures import kept_note_counts, recomputed_note_counts
from tests.conftest import make_user
from tests.helpers import past_contact


def counts(coach) -> tuple[int, int]:
    row = CoachNoteCounts.objects.filter(coach=coach).first()
    return (row.to_write, row.waiting) if row else (0, 0)


def _write_and_sign(coach, session):
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="We talked about the week")
    return note_sign(actor=coach, note=note)


@pytest.mark.django_db
def test_each_note_state_a_service_sets_moves_its_coachs_counts(coach, client_user, supervisor):
    first = past_contact(coach, client_user, timedelta(hours=3))
    assert counts(coach) == (1, 0)  # closed: a note to write
    second = contact_log(
        actor=coach,
        client=client_user,
        started_at=first.starts_at - timedelta(days=1),
        duration=timedelta(minutes=30),
        modality="phone",
    )
    assert counts(coach) == (2, 0)  # logged: another
    note = _write_and_sign(coach, first)
    assert counts(coach) == (1, 1)  # signed: waiting for the supervisor
    note_review(actor=supervisor, note=note, decision="returned", comment="Add the next steps")
    assert counts(coach) == (1, 0)  # returned: with the coach, not waiting
    addendum_add(actor=coach, note=note, text="Next: the housing office")
    assert counts(coach) == (1, 1)  # back in the queue
    note_review(actor=supervisor, note=note, decision="cosigned")
    assert counts(coach) == (1, 0)
    _write_and_sign(coach, second)
    assert counts(coach) == (0, 1)
    assert kept_note_counts() == recomputed_note_counts()
    assert note_counts_drift() == 0


@pytest.mark.django_db
def test_a_refused_change_moves_no_count(coach, client_user, supervisor):
    session = past_contact(coach, client_user, timedelta(hours=3))
    note = _write_and_sign(coach, session)
    assert counts(coach) == (0, 1)
    # Signed twice; returned without saying why; an empty addendum.
    for refused in (
        lambda: note_sign(actor=coach, note=note),
        lambda: note_review(actor=supervisor, note=note, decision="returned", comment=" "),
        lambda: addendum_add(actor=coach, note=note, text=" "),
    ):
        with pytest.raises(ValidationError), transaction.atomic():
            refused()
        assert counts(coach) == (0, 1)
    upcoming = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=session.starts_at + timedelta(days=7),
        duration=timedelta(minutes=30),
        modality="phone",
    )
    with pytest.raises(ValidationError), transaction.atomic():
        session_close(actor=coach, session=upcoming, status=Session.Status.COMPLETED)
    assert counts(coach) == (0, 1)  # a session cannot close before it starts


@pytest.mark.django_db
def test_each_coach_has_their_own_counts(coach, client_user, other_coach, other_client):
    past_contact(coach, client_user, timedelta(hours=3))
    _write_and_sign(other_coach, past_contact(other_coach, other_client, timedelta(hours=4)))
    assert (counts(coach), counts(other_coach)) == ((1, 0), (0, 1))


@pytest.mark.django_db
def test_drift_is_found_and_repaired_for_all_coaches_or_only_some(coach, client_user, team):
    other = make_user("drew@example.org", Role.COACH, name="Drew Coach", team=team)
    past_contact(coach, client_user, timedelta(hours=3))
    _write_and_sign(coach, past_contact(coach, client_user, timedelta(hours=30)))
    right = kept_note_counts()
    # A count lost, and a row for a coach with no note at all.
    CoachNoteCounts.objects.filter(coach=coach).update(waiting=0)
    CoachNoteCounts.objects.create(coach=other, to_write=4)
    assert note_counts_drift() == 2
    assert note_counts_drift([other.pk]) == 1

    assert note_counts_repair([other.pk]) == 1  # only the coach asked for
    assert counts(other) == (0, 0) and counts(coach) == (1, 0)
    assert note_counts_repair() == 1
    assert kept_note_counts() == right == {coach.pk: (1, 1)}
    assert note_counts_drift() == 0


@pytest.mark.django_db
def test_rewriting_the_note_states_rewrites_the_counts(coach, client_user):
    """note_states_recompute repairs the states a fault left wrong: the
    counts follow the repaired states, not the faulty ones."""
    session = past_contact(coach, client_user, timedelta(hours=3))
    _write_and_sign(coach, past_contact(coach, client_user, timedelta(hours=30)))
    Session.objects.filter(pk=session.pk).update(note_state="none")
    CoachNoteCounts.objects.filter(coach=coach).update(to_write=0, waiting=0)

    assert note_states_recompute() == 1
    assert counts(coach) == (1, 1)
    assert note_counts_drift() == 0
