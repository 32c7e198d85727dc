from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from sessions_log.models import Session
from sessions_log.selectors import sessions_visible_to
from sessions_log.services.sessions import (
    contact_log,
    session_cancel,
    session_close,
    session_reschedule,
    session_schedule,
)

HOUR = timedelta(hours=1)


def _tomorrow(hours=10):
    return (timezone.now() + timedelta(days=1)).replace(
        hour=hours, minute=0, second=0, microsecond=0
    )


def _schedule(coach, client, starts_at=None, duration=HOUR, **details):
    details.setdefault("modality", Session.Modality.PHONE)
    return session_schedule(
        actor=coach,
        client=client,
        starts_at=starts_at or _tomorrow(),
        duration=duration,
        **details,
    )


@pytest.mark.django_db
def test_a_coach_schedules_a_session_with_their_client(coach, client_user):
    session = _schedule(coach, client_user, location="Library, room 2")
    assert (session.coach, session.client, session.status) == (coach, client_user, "scheduled")
    assert session.ends_at - session.starts_at == HOUR
    assert AuditEvent.objects.filter(action="session.schedule", client=client_user).exists()


@pytest.mark.django_db
def test_another_coachs_client_is_refused(coach, other_client):
    with pytest.raises(ValidationError, match="your own clients"):
        _schedule(coach, other_client)
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_former_client_is_refused(coach, client_user):
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    with pytest.raises(ValidationError, match="your own clients"):
        _schedule(coach, client_user)


@pytest.mark.django_db
def test_scheduling_in_the_past_is_refused(coach, client_user):
    with pytest.raises(ValidationError, match="future"):
        _schedule(coach, client_user, starts_at=timezone.now() - timedelta(minutes=1))
    assert not Session.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("duration", [timedelta(0), timedelta(minutes=4), timedelta(hours=24)])
def test_durations_outside_5_minutes_to_8_hours_are_refused(coach, client_user, duration):
    with pytest.raises(ValidationError, match="between 5 minutes and 8 hours"):
        _schedule(coach, client_user, duration=duration)
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_video_link_must_be_https(coach, client_user):
    with pytest.raises(ValidationError, match="https"):
        _schedule(coach, client_user, modality="video", video_url="http://meet.example.org/x")
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_coach_cannot_be_double_booked(coach, client_user):
    first = _schedule(coach, client_user)
    with pytest.raises(ValidationError, match="already have a session"):
        _schedule(coach, client_user, starts_at=first.starts_at + timedelta(minutes=30))
    assert Session.objects.count() == 1
    # Back to back is fine.
    _schedule(coach, client_user, starts_at=first.ends_at)


@pytest.mark.django_db
def test_the_database_refuses_overlaps_and_bad_times_even_without_the_service(coach, client_user):
    first = _schedule(coach, client_user)
    overlapping = Session(
        coach=coach,
        client=client_user,
        created_by=coach,
        modality="phone",
        starts_at=first.starts_at,
        ends_at=first.ends_at,
    )
    with (
        pytest.raises(IntegrityError, match="session_coach_not_double_booked"),
        transaction.atomic(),
    ):
        overlapping.save()
    backwards = Session(
        coach=coach,
        client=client_user,
        created_by=coach,
        modality="phone",
        starts_at=first.ends_at + HOUR,
        ends_at=first.ends_at,
    )
    with pytest.raises(IntegrityError, match="violates check constraint"), transaction.atomic():
        backwards.save()


@pytest.mark.django_db
def test_a_cancelled_session_frees_the_time(coach, client_user):
    first = _schedule(coach, client_user)
    session_cancel(actor=coach, session=first, reason="Client asked to move it")
    first.refresh_from_db()
    assert (first.status, first.cancelled_by, first.sequence) == ("cancelled", coach, 1)
    _schedule(coach, client_user, starts_at=first.starts_at)


@pytest.mark.django_db
def test_cancelling_needs_a_reason(coach, client_user):
    session = _schedule(coach, client_user)
    with pytest.raises(ValidationError, match="why"):
        session_cancel(actor=coach, session=session, reason="   ")
    session.refresh_from_db()
    assert session.status == "scheduled"


@pytest.mark.django_db
def test_rescheduling_keeps_the_calendar_uid_and_raises_the_sequence(coach, client_user):
    session = _schedule(coach, client_user)
    uid = session.uid
    moved = session_reschedule(
        actor=coach, session=session, starts_at=_tomorrow(14), duration=timedelta(minutes=45)
    )
    assert (moved.uid, moved.sequence) == (uid, 1)
    assert moved.starts_at == _tomorrow(14)


@pytest.mark.django_db
def test_only_the_sessions_coach_changes_it(coach, other_coach, client_user):
    session = _schedule(coach, client_user)
    with pytest.raises(PermissionDenied):
        session_cancel(actor=other_coach, session=session, reason="no")


@pytest.mark.django_db
def test_a_session_cannot_be_completed_before_it_starts(coach, client_user):
    session = _schedule(coach, client_user)
    with pytest.raises(ValidationError, match="before it starts"):
        session_close(actor=coach, session=session, status="completed")
    # Once it has started, it can.
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - HOUR, ends_at=timezone.now()
    )
    closed = session_close(actor=coach, session=session, status="no_show")
    assert closed.status == "no_show"
    with pytest.raises(ValidationError, match="already no-show"):
        session_close(actor=coach, session=session, status="completed")


@pytest.mark.django_db
def test_logging_a_past_contact_creates_a_completed_session(coach, client_user):
    session = contact_log(
        actor=coach,
        client=client_user,
        started_at=timezone.now() - 2 * HOUR,
        duration=timedelta(minutes=20),
        modality="phone",
    )
    assert session.status == "completed"
    with pytest.raises(ValidationError, match="already be over"):
        contact_log(
            actor=coach,
            client=client_user,
            started_at=timezone.now() + HOUR,
            duration=HOUR,
            modality="phone",
        )


@pytest.mark.django_db
def test_a_video_contact_logged_afterwards_needs_no_link_but_a_planned_one_does(coach, client_user):
    """The link is how people join a planned call; once it is over, the
    coach records that it happened (and a claim bills it with modifier 95)."""
    logged = contact_log(
        actor=coach,
        client=client_user,
        started_at=timezone.now() - 2 * HOUR,
        duration=timedelta(minutes=30),
        modality="video",
    )
    assert (logged.status, logged.modality, logged.video_url) == ("completed", "video", "")
    with pytest.raises(ValidationError, match="Add the video link"):
        session_schedule(
            actor=coach,
            client=client_user,
            starts_at=_tomorrow(),
            duration=HOUR,
            modality="video",
        )


@pytest.mark.django_db
def test_who_sees_which_sessions(coach, other_coach, client_user, other_client, supervisor):
    mine = _schedule(coach, client_user)
    theirs = session_schedule(
        actor=other_coach,
        client=other_client,
        starts_at=_tomorrow(),
        duration=HOUR,
        modality="phone",
    )
    assert list(sessions_visible_to(coach)) == [mine]
    assert list(sessions_visible_to(client_user)) == [mine]
    assert list(sessions_visible_to(supervisor)) == [mine]
    assert list(sessions_visible_to(other_client)) == [theirs]

    # After a reassignment the new coach sees the whole history, the former none.
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    CaseloadAssignment.objects.create(coach=other_coach, client=client_user)
    assert list(sessions_visible_to(coach)) == []
    assert set(sessions_visible_to(other_coach)) == {mine, theirs}


@pytest.mark.django_db
def test_times_are_stored_in_utc(coach, client_user):
    session = _schedule(coach, client_user)
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIME ZONE")
        assert cursor.fetchone()[0] == "UTC"
    assert session.starts_at.utcoffset() == timedelta(0)
