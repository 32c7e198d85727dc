"""Reminders delivered by real processes: `celery worker` (and `celery beat`)
processes on the test database, Redis, and aiosmtpd on loopback, with the
worker killed, SMTP down and Redis wiped along the way.

The sweep runs in this process (or in a beat or command process) and queues
real tasks after commit. "The clock reaching the due time" is simulated by
moving the rows' due time to now; every other moment is real.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from sessions_log.models import Reminder, ReminderPreference, Session
from sessions_log.services.outbox import reminders_sweep
from sessions_log.services.sessions import session_cancel, session_reschedule, session_schedule
from tests.conftest import _free_port, _Mailbox, wait_until

Kind, Status = Reminder.Kind, Reminder.Status
ROOT = Path(__file__).resolve().parents[2]

# Short leases and retries so a test sees recovery in seconds, not minutes.
FAST = {
    "REMINDER_LEASE_SECONDS": 2,
    "REMINDER_RETRY_BASE_SECONDS": 1,
    "REMINDER_RETRY_MAX_SECONDS": 2,
}


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.REMINDER_LEASE = timedelta(seconds=FAST["REMINDER_LEASE_SECONDS"])


@pytest.fixture(autouse=True)
def _any_hour(client_user):
    """Notices go at once whatever the hour these tests run at (quiet hours
    are tested in tests/sessions_log/test_reminders.py)."""
    ReminderPreference.objects.create(user=client_user, quiet_start=None, quiet_end=None)


def _schedule(coach, client, days=3, hour=15):
    starts = (timezone.now() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return session_schedule(
        actor=coach,
        client=client,
        starts_at=starts,
        duration=timedelta(hours=1),
        modality=Session.Modality.PHONE,
    )


def _move(coach, session, hour):
    return session_reschedule(
        actor=coach,
        session=session,
        starts_at=session.starts_at.replace(hour=hour),
        duration=timedelta(hours=1),
    )


def _make_due(**filters):
    """The clock reaches the planned time of these pending rows."""
    moment = timezone.now() - timedelta(seconds=1)
    Reminder.objects.filter(status=Status.PENDING, **filters).update(
        due_at=moment, next_attempt_at=moment
    )


def _sweep_until(condition, timeout=45):
    def swept():
        reminders_sweep()
        return condition()

    return wait_until(swept, timeout=timeout, interval=0.25)


def _all_sent(**filters):
    return lambda: (
        not Reminder.objects.filter(status__in=["pending", "sending"], **filters).exists()
    )


def _calendar(message) -> icalendar.Calendar:
    (part,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


def _event(message):
    (event,) = _calendar(message).walk("VEVENT")
    return event


def test_each_session_recipient_and_kind_gets_exactly_one_email(
    celery_worker_process, mailbox, coach, client_user
):
    ReminderPreference.objects.create(
        user=coach, first_reminder=True, second_reminder=True, checkin_request=False
    )
    sessions = [_schedule(coach, client_user, days=3, hour=hour) for hour in (9, 11, 13)]
    assert Reminder.objects.count() == 12  # 3 sessions x 2 people x 2 reminders
    _make_due()

    assert _sweep_until(_all_sent())
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}
    assert len(mailbox) == 12
    per_person_and_session = Counter((m["To"], str(_event(m)["UID"])) for m in mailbox)
    assert set(per_person_and_session.values()) == {2}
    assert len(per_person_and_session) == 2 * len(sessions)
    assert reminders_sweep() == 0  # nothing left to queue again


def test_a_real_beat_sweeps_without_being_asked(celery_processes, mailbox, coach, client_user):
    _schedule(coach, client_user)
    _make_due(kind=Kind.SECOND_REMINDER)
    celery_processes.start("worker")
    celery_processes.start("beat", REMINDER_SWEEP_SECONDS=1)
    assert wait_until(_all_sent(kind=Kind.SECOND_REMINDER), timeout=45), celery_processes.logs()
    assert len(mailbox) == 1 and mailbox[0]["Subject"].startswith("Appointment reminder:")


class _StallingMailbox(_Mailbox):
    """Holds every conversation at RCPT until released: a worker killed there
    dies in the middle of sending."""

    def __init__(self):
        super().__init__()
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if not self.release.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def stalling_smtp():
    handler = _StallingMailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    handler.release.set()
    controller.stop()


def test_killing_the_worker_mid_send_still_delivers_once(
    celery_processes, stalling_smtp, coach, client_user
):
    session = _schedule(coach, client_user)
    _make_due(kind=Kind.FIRST_REMINDER)
    reminder = Reminder.objects.get(session=session, kind=Kind.FIRST_REMINDER)
    first = celery_processes.start("worker", EMAIL_PORT=stalling_smtp.port, **FAST)

    reminders_sweep()
    assert stalling_smtp.handler.stalled.wait(timeout=30), celery_processes.logs()
    reminder.refresh_from_db()
    assert reminder.status == Status.SENDING

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    stalling_smtp.handler.release.set()
    celery_processes.start("worker", EMAIL_PORT=stalling_smtp.port, **FAST)

    assert _sweep_until(_all_sent(pk=reminder.pk)), celery_processes.logs()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.SENT, 2)
    assert len(stalling_smtp.handler.messages) == 1


class _StallingAfter(_StallingMailbox):
    """Accepts the first `accept` emails, then holds every conversation at RCPT."""

    def __init__(self, accept):
        super().__init__()
        self.accept = accept

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if len(self.messages) < self.accept:
            envelope.rcpt_tos.append(address)
            return "250 OK"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_killing_the_worker_mid_batch_sends_again_only_what_the_batch_had_not_marked(
    celery_processes, coach, client_user
):
    """The documented duplicate window: the emails of a batch the server had
    accepted when the worker died go again (once); none is lost."""
    for hour in (9, 11, 13, 15):
        _schedule(coach, client_user, hour=hour)
    _make_due(kind=Kind.FIRST_REMINDER)
    handler = _StallingAfter(accept=2)
    server = Controller(handler, hostname="127.0.0.1", port=_free_port())
    server.start()
    try:
        first = celery_processes.start("worker", EMAIL_PORT=server.port, **FAST)
        assert reminders_sweep() == 4  # one batch
        assert handler.stalled.wait(timeout=30), celery_processes.logs()
        firsts = Reminder.objects.filter(kind=Kind.FIRST_REMINDER)
        assert set(firsts.values_list("status", flat=True)) == {Status.SENDING}
        before_kill = [str(_event(m)["UID"]) for m in handler.messages]

        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        handler.release.set()
        celery_processes.start("worker", EMAIL_PORT=server.port, **FAST)
        assert _sweep_until(_all_sent(kind=Kind.FIRST_REMINDER)), celery_processes.logs()
    finally:
        server.stop()

    sent = Counter(str(_event(m)["UID"]) for m in handler.messages)
    assert len(before_kill) == 2 and len(sent) == 4
    assert {uid for uid, times in sent.items() if times == 2} == set(before_kill)
    assert set(sent.values()) == {1, 2}
    assert set(firsts.values_list("status", "attempts")) == {(Status.SENT, 2)}


def test_an_smtp_outage_during_the_due_window_delivers_once_when_it_ends(
    celery_processes, coach, client_user
):
    port = _free_port()  # nothing listens here yet
    session = _schedule(coach, client_user)
    _make_due(kind=Kind.FIRST_REMINDER)
    reminder = Reminder.objects.get(session=session, kind=Kind.FIRST_REMINDER)
    celery_processes.start("worker", EMAIL_PORT=port, **FAST)

    def retried_twice():
        reminder.refresh_from_db()
        return reminder.attempts >= 2 and reminder.status == Status.PENDING

    assert _sweep_until(retried_twice), celery_processes.logs()
    assert "ConnectionRefusedError" in reminder.last_error

    handler = _Mailbox()
    back = Controller(handler, hostname="127.0.0.1", port=port)
    back.start()
    try:
        assert _sweep_until(_all_sent(pk=reminder.pk)), celery_processes.logs()
    finally:
        back.stop()
    assert len(handler.messages) == 1


def _sweep_in_a_process(env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "reminders_sweep"],
        cwd=ROOT,
        env={**env, **{name: str(value) for name, value in FAST.items()}},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_reminders_queued_in_a_redis_that_is_wiped_are_still_delivered_once(
    celery_processes, redis_server, mailbox, coach, client_user
):
    for hour in (9, 12):
        _schedule(coach, client_user, hour=hour)
    _make_due()
    env = {**celery_processes.env, "REDIS_URL": redis_server.url}

    assert "4 reminders queued" in _sweep_in_a_process(env)
    assert redis_server.client.llen(celery_processes.queue) == 1  # one batch's task, in Redis

    redis_server.client.flushall()
    redis_server.stop()
    redis_server.start()
    assert redis_server.client.dbsize() == 0  # every queued task is gone
    celery_processes.start("worker", REDIS_URL=redis_server.url, **FAST)

    def delivered():
        _sweep_in_a_process(env)
        return _all_sent()()

    assert wait_until(delivered, timeout=60, interval=0.5), celery_processes.logs()
    assert len(mailbox) == 4
    assert len({(m["To"], m["List-Unsubscribe"], str(_event(m)["UID"])) for m in mailbox}) == 4


def test_two_sweeps_at_the_same_time_queue_each_reminder_once(
    celery_worker_process, settings, mailbox, coach, client_user
):
    ReminderPreference.objects.create(user=coach, first_reminder=True, second_reminder=True)
    for day in range(1, 6):
        for hour in range(8, 20, 2):
            _schedule(coach, client_user, days=day + 2, hour=hour)
    total = Reminder.objects.count()
    assert total == 5 * 6 * 4
    _make_due()
    settings.REMINDER_SWEEP_BATCH = 7  # many small transactions, so the sweeps interleave

    start = threading.Barrier(2)
    queued = []

    def sweep():
        try:
            start.wait()
            queued.append(reminders_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(queued) == total
    assert wait_until(_all_sent(), timeout=90)
    assert len(mailbox) == total
    keys = Counter((m["To"], m["List-Unsubscribe"], str(_event(m)["UID"])) for m in mailbox)
    assert set(keys.values()) == {1}


def _subject_times(mailbox, prefix):
    return [m["Subject"].removeprefix(prefix) for m in mailbox if m["Subject"].startswith(prefix)]


def test_quick_reschedules_send_only_the_last_times_reminders_and_a_cancel_sends_none(
    celery_worker_process, mailbox, coach, client_user
):
    session = _schedule(coach, client_user)
    for hour in (10, 11, 12, 13, 14):
        session = _move(coach, session, hour)
    assert _sweep_until(_all_sent(kind=Kind.RESCHEDULED))
    _make_due()
    assert _sweep_until(_all_sent())

    starts = session.starts_at  # the client's time zone is UTC
    final = f"{starts:%a} {starts.day} {starts:%b}, 2:00 PM"
    assert _subject_times(mailbox, "Appointment changed: ") == [final]
    assert _subject_times(mailbox, "Appointment reminder: ") == [final, final]
    assert {int(_event(m)["SEQUENCE"]) for m in mailbox} == {5}


def test_each_reschedule_sent_before_the_next_gets_its_own_notice_then_cancel_only_notifies(
    celery_worker_process, mailbox, coach, client_user
):
    session = _schedule(coach, client_user)
    for hour in (10, 16):
        session = _move(coach, session, hour)
        assert _sweep_until(_all_sent(kind=Kind.RESCHEDULED))
    moved = [m for m in mailbox if m["Subject"].startswith("Appointment changed: ")]
    assert [int(_event(m)["SEQUENCE"]) for m in moved] == [1, 2]
    assert [m["Subject"].split(", ")[-1] for m in moved] == ["10:00 AM", "4:00 PM"]

    session_cancel(actor=coach, session=session, reason="Coach unwell")
    _make_due()  # the reminders' time comes: they must not go
    assert _sweep_until(_all_sent())
    assert [m["Subject"].split(":")[0] for m in mailbox[len(moved) :]] == ["Appointment cancelled"]
    assert str(_calendar(mailbox[-1])["METHOD"]) == "CANCEL"
    assert not any(m["Subject"].startswith("Appointment reminder") for m in mailbox)
