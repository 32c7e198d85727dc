"""The reminder outbox: which emails a session change plans and when they
go (what they say: test_reminder_emails.py). Delivery here runs in the test process over real SMTP;
tests/reliability/test_reminder_delivery.py runs it in real worker processes."""

import smtplib
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sessions_log.models import PREFERENCE_KINDS, Reminder, ReminderPreference
from sessions_log.services.outbox import reminder_deliver, reminders_sweep
from sessions_log.services.sessions import (
    session_cancel,
    session_close,
    session_reschedule,
)
from tests.helpers import (
    make_due,
    reminder_rows,
    reminders_opt_in,
    schedule_hour,
    sign_in,
    sweep_and_send,
    zoned,
)

Kind, Status = Reminder.Kind, Reminder.Status


pytestmark = pytest.mark.usefixtures("own_smtp_connection")


# Inside a test's transaction on_commit never fires, so `reminders_sweep()`
# here leases rows without queueing tasks; these tests deliver by hand.

# ------------------------------------------------------------------ planning


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_scheduling_plans_two_reminders_for_the_client_only(coach, client_user):
    starts = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    session = schedule_hour(coach, client_user, starts)
    rows = reminder_rows(session)
    assert set(rows) == {
        (client_user.pk, Kind.FIRST_REMINDER),
        (client_user.pk, Kind.SECOND_REMINDER),
    }
    assert rows[(client_user.pk, Kind.FIRST_REMINDER)].due_at == starts - timedelta(hours=24)
    assert rows[(client_user.pk, Kind.SECOND_REMINDER)].due_at == starts - timedelta(hours=1)
    assert all(row.deadline == starts and row.status == Status.PENDING for row in rows.values())


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_a_coach_who_opts_in_gets_reminders_too(coach, client_user):
    reminders_opt_in(coach, second_reminder=True)
    session = schedule_hour(coach, client_user, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert (coach.pk, Kind.SECOND_REMINDER) in reminder_rows(session)
    assert (coach.pk, Kind.FIRST_REMINDER) not in reminder_rows(session)


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_a_session_too_soon_for_the_first_reminder_gets_only_the_second(coach, client_user):
    session = schedule_hour(coach, client_user, datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
    assert set(reminder_rows(session)) == {(client_user.pk, Kind.SECOND_REMINDER)}


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_rescheduling_rewrites_the_rows_and_adds_one_notice(coach, client_user):
    session = schedule_hour(coach, client_user, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    new_start = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    for hour in (11, 12, 13, 14, 10):
        session = session_reschedule(
            actor=coach,
            session=session,
            starts_at=new_start.replace(hour=hour),
            duration=timedelta(hours=1),
        )
    rows = reminder_rows(session)
    assert Reminder.objects.filter(session=session).count() == 3
    assert rows[(client_user.pk, Kind.FIRST_REMINDER)].due_at == new_start - timedelta(hours=24)
    assert rows[(client_user.pk, Kind.SECOND_REMINDER)].due_at == new_start - timedelta(hours=1)
    notice = rows[(client_user.pk, Kind.RESCHEDULED)]
    assert notice.due_at == timezone.now() and notice.deadline == new_start
    assert {row.sequence for row in rows.values()} == {5}


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_cancelling_cancels_the_reminders_and_plans_the_cancel_notice(coach, client_user):
    session = schedule_hour(coach, client_user, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    session = session_cancel(actor=coach, session=session, reason="Coach is ill")
    rows = reminder_rows(session)
    assert rows[(client_user.pk, Kind.FIRST_REMINDER)].status == Status.CANCELLED
    assert rows[(client_user.pk, Kind.SECOND_REMINDER)].status == Status.CANCELLED
    assert rows[(client_user.pk, Kind.CANCELLED)].status == Status.PENDING


@pytest.mark.django_db
def test_completing_a_session_requests_a_check_in_and_a_no_show_does_not(coach, client_user):
    starts = timezone.now() + timedelta(hours=2)
    done = schedule_hour(coach, client_user, starts)
    missed = schedule_hour(coach, client_user, starts + timedelta(hours=3))
    with time_machine.travel(starts + timedelta(hours=5), tick=False):
        session_close(
            actor=coach,
            session=done,
            status="completed",
            actual_start=done.starts_at,
            minutes_spent=60,
        )
        session_close(actor=coach, session=missed, status="no_show")
        request = Reminder.objects.get(session=done, kind=Kind.CHECKIN_REQUEST)
        assert request.recipient == client_user
        assert request.deadline == timezone.now() + timedelta(days=7)
    assert not Reminder.objects.filter(session=missed, kind=Kind.CHECKIN_REQUEST).exists()


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_a_kind_turned_off_is_not_planned(coach, client_user):
    reminders_opt_in(client_user, first_reminder=True)
    session = schedule_hour(coach, client_user, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert set(reminder_rows(session)) == {(client_user.pk, Kind.FIRST_REMINDER)}


# --------------------------------------------------------- time zones, DST


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "session_local", "reminder_local"),
    [
        # Clocks go forward overnight; the session is the morning after.
        ("Europe/London", (2026, 3, 29, 9, 0), (2026, 3, 28, 9, 0)),
        ("America/New_York", (2026, 3, 8, 9, 0), (2026, 3, 7, 9, 0)),
        # Clocks go back overnight.
        ("Europe/London", (2026, 10, 25, 9, 0), (2026, 10, 24, 9, 0)),
        ("America/New_York", (2026, 11, 1, 9, 0), (2026, 10, 31, 9, 0)),
    ],
)
def test_the_day_before_reminder_keeps_the_wall_clock_across_dst(
    coach, client_user, zone, session_local, reminder_local
):
    client_user.time_zone = zone
    client_user.save()
    starts = zoned(zone, *session_local)
    with time_machine.travel(starts - timedelta(days=10), tick=False):
        session = schedule_hour(coach, client_user, starts)
    first = reminder_rows(session)[(client_user.pk, Kind.FIRST_REMINDER)]
    assert first.due_at == zoned(zone, *reminder_local)
    # It is not simply 24 hours: the day had 23 or 25.
    assert starts - first.due_at != timedelta(hours=24)


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_a_reminder_in_quiet_hours_goes_out_before_they_begin(coach, client_user):
    client_user.time_zone = "America/Chicago"
    client_user.save()
    # 08:30 Chicago: the hour-before reminder (07:30) is in quiet hours (21:00-08:00).
    starts = zoned("America/Chicago", 2026, 11, 27, 8, 30)
    session = schedule_hour(coach, client_user, starts)
    second = reminder_rows(session)[(client_user.pk, Kind.SECOND_REMINDER)]
    assert second.due_at == zoned("America/Chicago", 2026, 11, 26, 20, 59)


@pytest.mark.django_db
def test_when_quiet_hours_have_begun_a_reminder_waits_until_they_end(coach, client_user):
    zone = "America/Chicago"
    client_user.time_zone = zone
    client_user.save()
    starts = zoned(zone, 2026, 11, 27, 9, 30)  # the hour-before reminder falls at 08:30
    ReminderPreference.objects.create(
        user=client_user, quiet_start=time(22, 0), quiet_end=time(9, 0)
    )
    with time_machine.travel(zoned(zone, 2026, 11, 26, 23, 0), tick=False):
        session = schedule_hour(coach, client_user, starts)
    second = reminder_rows(session)[(client_user.pk, Kind.SECOND_REMINDER)]
    assert second.due_at == zoned(zone, 2026, 11, 27, 9, 0)


@pytest.mark.django_db
def test_a_cancel_notice_goes_at_once_when_quiet_hours_outlast_the_session(coach, client_user):
    zone = "America/Chicago"
    client_user.time_zone = zone
    client_user.save()
    starts = zoned(zone, 2026, 11, 27, 7, 0)
    with time_machine.travel(zoned(zone, 2026, 11, 20, 12, 0), tick=False):
        session = schedule_hour(coach, client_user, starts)
    with time_machine.travel(zoned(zone, 2026, 11, 26, 23, 0), tick=False):
        session_cancel(actor=coach, session=session, reason="Ill")
        notice = reminder_rows(session)[(client_user.pk, Kind.CANCELLED)]
        assert notice.due_at == timezone.now()


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False)
def test_turning_quiet_hours_off_moves_a_planned_reminder_back(client, coach, client_user):
    client_user.time_zone = "America/Chicago"
    client_user.save()
    starts = zoned("America/Chicago", 2026, 11, 27, 8, 30)
    session = schedule_hour(coach, client_user, starts)
    sign_in(client, client_user)
    response = client.post(
        reverse("sessions_log:reminder_settings"),
        {kind: "on" for kind in PREFERENCE_KINDS},  # quiet_hours unticked
    )
    assert response.status_code == 302
    second = reminder_rows(session)[(client_user.pk, Kind.SECOND_REMINDER)]
    assert second.due_at == starts - timedelta(hours=1)


# ------------------------------------------------------------- the sweep


@pytest.mark.django_db
def test_the_sweep_leases_due_rows_and_expires_late_ones(coach, client_user):
    starts = timezone.now() + timedelta(days=2)
    session = schedule_hour(coach, client_user, starts)
    first = Reminder.objects.get(session=session, kind=Kind.FIRST_REMINDER)
    with time_machine.travel(first.due_at + timedelta(seconds=5), tick=False):
        assert reminders_sweep() == 1
        first.refresh_from_db()
        assert first.lease_token is not None and first.next_attempt_at > timezone.now()
        assert reminders_sweep() == 0  # leased: not queued twice
    second = Reminder.objects.get(session=session, kind=Kind.SECOND_REMINDER)
    with time_machine.travel(starts + timedelta(minutes=1), tick=False):
        reminders_sweep()
    second.refresh_from_db()
    assert second.status == Status.EXPIRED  # never sent after the session started


# -------------------------------------------------------------- delivery


@pytest.fixture
def planned(coach, client_user):
    starts = (timezone.now() + timedelta(days=3)).replace(hour=15, minute=0, second=0)
    session = schedule_hour(
        coach, client_user, starts, modality="video", video_url="https://video.example/abc"
    )
    return session


@pytest.mark.django_db
def test_a_claimed_reminder_is_sent_once(mailbox, planned, client_user):
    reminder = Reminder.objects.get(session=planned, kind=Kind.FIRST_REMINDER)
    make_due(reminder)
    reminders_sweep()
    token = str(Reminder.objects.get(pk=reminder.pk).lease_token)
    assert reminder_deliver(reminder_id=reminder.pk, lease_token=token) == Status.SENT
    # The same task delivered again (Redis redelivery) has lost its claim.
    assert reminder_deliver(reminder_id=reminder.pk, lease_token=token) == "lost"
    assert len(mailbox) == 1 and mailbox[0]["To"] == client_user.email
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.SENT, 1)


@pytest.mark.django_db
def test_a_reminder_for_a_session_cancelled_after_its_lease_is_not_sent(mailbox, planned, coach):
    reminder = Reminder.objects.get(session=planned, kind=Kind.FIRST_REMINDER)
    make_due(reminder)
    reminders_sweep()
    token = str(Reminder.objects.get(pk=reminder.pk).lease_token)
    session_cancel(actor=coach, session=planned, reason="Moved away")
    assert reminder_deliver(reminder_id=reminder.pk, lease_token=token) == "lost"
    assert mailbox == []


@pytest.mark.django_db
def test_a_kind_turned_off_after_planning_is_skipped(mailbox, planned, client_user):
    reminder = Reminder.objects.get(session=planned, kind=Kind.FIRST_REMINDER)
    make_due(reminder)
    reminders_sweep()
    reminders_opt_in(client_user)  # everything off, written behind the planner's back
    reminder.refresh_from_db()
    assert reminder_deliver(reminder_id=reminder.pk, lease_token=str(reminder.lease_token)) == (
        Status.SKIPPED
    )
    assert mailbox == []


@pytest.mark.django_db
def test_an_smtp_outage_is_retried_later_with_the_error_kept(settings, mailbox, planned):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},  # nothing listens
        }
    }
    reminder = Reminder.objects.get(session=planned, kind=Kind.FIRST_REMINDER)
    before = timezone.now()
    assert sweep_and_send(reminder) == Status.PENDING
    reminder.refresh_from_db()
    assert "ConnectionRefusedError" in reminder.last_error
    base = settings.REMINDER_RETRY_BASE
    assert before + base / 2 <= reminder.next_attempt_at <= timezone.now() + base
    assert reminder.lease_token is None and reminder.attempts == 1


@pytest.mark.django_db
def test_a_refused_recipient_fails_without_retrying(mailbox, planned, smtp_server, monkeypatch):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 No such user here"

    monkeypatch.setattr(smtp_server.handler, "handle_RCPT", refuse, raising=False)
    reminder = Reminder.objects.get(session=planned, kind=Kind.FIRST_REMINDER)
    assert sweep_and_send(reminder) == Status.FAILED
    reminder.refresh_from_db()
    assert "550" in reminder.last_error


def test_backoff_doubles_up_to_the_cap_with_jitter(settings):
    from sessions_log.services.outbox import _backoff

    settings.REMINDER_RETRY_BASE = timedelta(seconds=30)
    settings.REMINDER_RETRY_MAX = timedelta(seconds=900)
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (6, 900), (20, 900)]:
        waits = {_backoff(attempts).total_seconds() for _ in range(20)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1  # jittered, not all at once


def test_smtp_errors_the_sender_treats_as_permanent():
    from sessions_log.services.outbox import _permanent

    assert _permanent(smtplib.SMTPRecipientsRefused({"a@b": (550, b"no")}))
    assert not _permanent(smtplib.SMTPRecipientsRefused({"a@b": (451, b"later")}))
    assert not _permanent(smtplib.SMTPServerDisconnected("gone"))
    assert not _permanent(ConnectionRefusedError())
