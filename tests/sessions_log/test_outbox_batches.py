"""The outbox sends in batches over one kept SMTP connection: one claim, one
load and a few UPDATEs a batch, one connection a worker process, and each
row's outcome its own (a refused or dropped email changes no other row).
tests/sessions_log/test_reminders.py covers what one reminder does;
tests/reliability/ kills workers in the middle of a batch."""

import email
import email.policy
import re
import signal
import socket
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from celery import current_app
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from common import emails
from sessions_log import tasks
from sessions_log.models import Reminder, ReminderPreference, Session
from sessions_log.services import outbox
from sessions_log.services.outbox import reminders_deliver, reminders_sweep
from sessions_log.services.sessions import session_cancel, session_reschedule, session_schedule
from tests.conftest import _free_port, make_user, wait_until
from tests.helpers import count_queries

Kind, Status = Reminder.Kind, Reminder.Status


class _Sink:
    """An SMTP server that keeps what it accepts with the connection it came
    on, counts connections (EHLO) and QUITs, refuses chosen recipients and
    hangs up on others' DATA."""

    def __init__(self):
        self.accepted: list[tuple[tuple, email.message.EmailMessage]] = []
        self.ehlos = 0
        self.quits = 0
        self.replies: dict[str, str] = {}  # recipient -> RCPT reply other than 250
        self.hang_up_for: set[str] = set()  # recipients whose DATA drops the connection
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.lock:
            self.ehlos += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.replies:
            return self.replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.hang_up_for & set(envelope.rcpt_tos):
            server.transport.close()
            return "421 Going away"
        message = email.message_from_bytes(envelope.content, policy=email.policy.strict)
        with self.lock:
            self.accepted.append((session.peer, message))
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.quits += 1
        return "221 Bye"

    @property
    def to(self) -> list[str]:
        return [message["To"] for _, message in self.accepted]


@pytest.fixture
def sink(settings):
    """`_Sink` on a port of its own, as the outbox's mailer; the test process's
    kept connection starts and ends with the test."""
    handler = _Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    emails.kept_close()
    handler.port = controller.port
    yield handler
    emails.kept_close()
    controller.stop()


def _clients(coach, count: int):
    people = []
    for n in range(count):
        person = make_user(f"client{n}@example.org", Role.CLIENT, name=f"Client {n}")
        CaseloadAssignment.objects.create(coach=coach, client=person)
        ReminderPreference.objects.create(user=person, quiet_start=None, quiet_end=None)
        people.append(person)
    return people


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


def _make_due(**filters):
    moment = timezone.now() - timedelta(seconds=1)
    Reminder.objects.filter(status=Status.PENDING, **filters).update(
        due_at=moment, next_attempt_at=moment
    )


class _Queue(list):
    """What the sweep queues, instead of queueing it: [(ids, lease token)]."""

    def __init__(self, capture_on_commit):
        super().__init__()
        self.capture_on_commit = capture_on_commit


@pytest.fixture
def queued(monkeypatch, django_capture_on_commit_callbacks):
    batches = _Queue(django_capture_on_commit_callbacks)

    def send_task(name, args, **options):
        assert name == outbox.REMINDERS_SEND
        batches.append(tuple(args))

    monkeypatch.setattr(current_app._get_current_object(), "send_task", send_task)
    return batches


def test_the_sweep_queues_the_send_task_by_its_registered_name():
    assert current_app.tasks[outbox.REMINDERS_SEND] is tasks.reminders_send._get_current_object()


def _sweep(queued) -> list[tuple[list[int], str]]:
    """Sweep, and what it queued after commit."""
    queued.clear()
    with queued.capture_on_commit(execute=True):
        reminders_sweep()
    return list(queued)


def _deliver(batches) -> dict[int, str]:
    statuses = {}
    for ids, token in batches:
        statuses.update(reminders_deliver(reminder_ids=ids, lease_token=token))
    return statuses


# ------------------------------------------------------------ batching


@pytest.mark.django_db
def test_the_sweep_queues_one_task_per_batch_of_rows(monkeypatch, queued, coach):
    monkeypatch.setattr(outbox, "SEND_BATCH", 4)
    (person,) = _clients(coach, 1)
    for hour in range(9, 14):
        _schedule(coach, person, hour=hour)
    _make_due()
    due = set(Reminder.objects.values_list("pk", flat=True))
    assert len(due) == 10

    batches = _sweep(queued)
    assert [len(ids) for ids, _ in batches] == [4, 4, 2]
    assert {pk for ids, _ in batches for pk in ids} == due
    assert len({token for _, token in batches}) == 1  # one sweep transaction leased them


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_2_rows_as_for_12(monkeypatch, queued, sink, coach):
    monkeypatch.setattr(outbox, "SEND_BATCH", 100)
    people = _clients(coach, 7)
    _schedule(coach, people[0])
    _make_due()
    (small,) = _sweep(queued)
    few, _ = count_queries(_deliver, [small])
    for hour, person in zip(range(9, 15), people[1:], strict=True):
        _schedule(coach, person, hour=hour)
    _make_due()
    (large,) = _sweep(queued)
    many, _ = count_queries(_deliver, [large])
    assert (len(small[0]), len(large[0])) == (2, 12)
    assert few == many <= 6  # claim, load, the sent rows' UPDATE (+ a savepoint's)
    assert Counter(Reminder.objects.values_list("status", flat=True)) == {Status.SENT: 14}


@pytest.mark.django_db
def test_one_connection_serves_every_batch_of_the_process(monkeypatch, queued, sink, coach):
    monkeypatch.setattr(outbox, "SEND_BATCH", 3)
    for person, hour in zip(_clients(coach, 4), range(9, 13), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due()
    batches = _sweep(queued)
    assert len(batches) == 3

    statuses = _deliver(batches)
    assert set(statuses.values()) == {Status.SENT}
    assert len(sink.accepted) == 8
    assert len({peer for peer, _ in sink.accepted}) == 1
    assert (sink.ehlos, sink.quits) == (1, 0)
    emails.kept_close()  # what a worker does at shutdown
    assert sink.quits == 1


@pytest.mark.django_db
def test_a_connection_idle_past_the_check_is_tested_and_replaced_when_dead(
    monkeypatch, queued, sink, coach
):
    person = _clients(coach, 1)[0]
    _schedule(coach, person)
    _make_due(kind=Kind.FIRST_REMINDER)
    _deliver(_sweep(queued))
    kept = emails._kept.backend.connection
    kept.sock.shutdown(socket.SHUT_RDWR)  # the connection died while the worker sat idle
    monkeypatch.setattr(emails, "KEPT_IDLE_CHECK_SECONDS", 0)

    _make_due(kind=Kind.SECOND_REMINDER)
    assert set(_deliver(_sweep(queued)).values()) == {Status.SENT}
    assert sink.ehlos == 2 and len(sink.accepted) == 2


# ----------------------------------------------- one row's fate is its own


@pytest.mark.django_db
def test_a_refused_and_a_deferred_recipient_leave_the_rest_of_the_batch_sent(queued, sink, coach):
    refused, deferred, *fine = _clients(coach, 4)
    sink.replies = {refused.email: "550 No such user", deferred.email: "451 Try again later"}
    for person, hour in zip([refused, deferred, *fine], range(9, 13), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due()
    (batch,) = _sweep(queued)
    before = timezone.now()

    statuses = _deliver([(batch[0], batch[1])])
    rows = {(r.recipient_id, r.kind): r for r in Reminder.objects.all()}
    for kind in (Kind.FIRST_REMINDER, Kind.SECOND_REMINDER):
        gone = rows[(refused.pk, kind)]
        assert gone.status == Status.FAILED and "550" in gone.last_error
        later = rows[(deferred.pk, kind)]
        assert later.status == Status.PENDING and "451" in later.last_error
        assert later.lease_token is None and later.next_attempt_at > before
        assert later.attempts == 1
        for person in fine:
            sent = rows[(person.pk, kind)]
            assert (sent.status, sent.last_error, sent.attempts) == (Status.SENT, "", 1)
            assert sent.sent_at is not None and sent.lease_token is None
    assert Counter(statuses.values()) == {Status.SENT: 4, Status.FAILED: 2, Status.PENDING: 2}
    assert sorted(sink.to) == sorted([p.email for p in fine] * 2)
    assert sink.ehlos == 1  # refusals leave the connection open


@pytest.mark.django_db
def test_a_dropped_connection_retries_that_email_later_and_the_rest_go_over_a_new_one(
    queued, sink, coach
):
    dropped, *fine = _clients(coach, 3)
    sink.hang_up_for = {dropped.email}
    for person, hour in zip([dropped, *fine], range(9, 12), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due(kind=Kind.FIRST_REMINDER)
    (batch,) = _sweep(queued)

    _deliver([batch])
    row = Reminder.objects.get(recipient=dropped, kind=Kind.FIRST_REMINDER)
    assert row.status == Status.PENDING and "SMTPServerDisconnected" in row.last_error
    assert row.next_attempt_at > timezone.now()
    others = Reminder.objects.filter(kind=Kind.FIRST_REMINDER).exclude(recipient=dropped)
    assert set(others.values_list("status", flat=True)) == {Status.SENT}
    assert sorted(sink.to) == sorted(p.email for p in fine)
    assert sink.ehlos == 2


@pytest.mark.django_db
def test_with_the_server_down_a_batch_tries_twice_then_leaves_every_row_for_later(
    monkeypatch, settings, queued, coach
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 2},  # nothing there
        }
    }
    for person, hour in zip(_clients(coach, 3), range(9, 12), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due()
    tries = []
    send_kept = emails.send_kept
    monkeypatch.setattr(emails, "send_kept", lambda message: tries.append(1) or send_kept(message))
    (batch,) = _sweep(queued)

    assert set(_deliver([batch]).values()) == {Status.PENDING}
    assert len(tries) == 2
    rows = Reminder.objects.all()
    assert all("ConnectionRefusedError" in row.last_error for row in rows)
    assert {(row.status, row.attempts, row.lease_token) for row in rows} == {
        (Status.PENDING, 1, None)
    }
    assert all(row.next_attempt_at > timezone.now() for row in rows)


@pytest.mark.django_db
def test_rows_a_batch_has_no_time_left_for_go_back_to_the_sweep_untried(
    monkeypatch, settings, queued, sink, coach
):
    for person, hour in zip(_clients(coach, 3), range(9, 12), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due(kind=Kind.FIRST_REMINDER)
    (batch,) = _sweep(queued)

    class Clock:  # one second passes at every look at it
        now = 0.0

        @classmethod
        def monotonic(cls):
            cls.now += 1
            return cls.now

    monkeypatch.setattr(outbox, "time", Clock)
    settings.REMINDER_LEASE = timedelta(seconds=6)  # sends may start for 3 s
    statuses = _deliver([batch])
    assert Counter(statuses.values()) == {Status.SENT: 2, Status.PENDING: 1}
    (left,) = Reminder.objects.filter(status=Status.PENDING, kind=Kind.FIRST_REMINDER)
    assert (left.attempts, left.lease_token, left.last_error) == (0, None, "")
    assert left.next_attempt_at <= timezone.now()
    assert len(sink.accepted) == 2
    assert len(_sweep(queued)) == 1  # the next sweep takes it at once


@pytest.mark.django_db
def test_a_batch_sends_only_rows_still_as_planned(queued, sink, coach):
    moved, cancelled, kept = _clients(coach, 3)
    sessions = {
        person: _schedule(coach, person, hour=hour)
        for person, hour in zip([moved, cancelled, kept], range(9, 12), strict=True)
    }
    _make_due(kind=Kind.FIRST_REMINDER)
    (batch,) = _sweep(queued)
    # After the lease, before the task: one session moves, another is cancelled.
    session_reschedule(
        actor=coach,
        session=sessions[moved],
        starts_at=sessions[moved].starts_at + timedelta(hours=3),
        duration=timedelta(hours=1),
    )
    session_cancel(actor=coach, session=sessions[cancelled], reason="Unwell")

    statuses = _deliver([batch])
    assert Counter(statuses.values()) == {"lost": 2, Status.SENT: 1}
    assert sink.to == [kept.email]


# ---------------------------------------------- two claims of one batch


@pytest.mark.django_db(transaction=True)
def test_two_claims_of_one_batch_never_share_a_row(queued, coach):
    for person, hour in zip(_clients(coach, 4), range(9, 13), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due()
    (batch,) = _sweep(queued)
    ids, token = batch
    claims = {}
    first_holds = threading.Event()

    def first():
        try:
            with transaction.atomic():
                claims["first"] = outbox._claim(ids[:6], token, timezone.now())
                first_holds.set()
                time.sleep(0.5)  # the second claim waits on these rows' locks
        finally:
            connection.close()

    def second():
        try:
            first_holds.wait(timeout=10)
            claims["second"] = outbox._claim(ids, token, timezone.now())
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claims["first"]) == sorted(ids[:6])
    assert sorted(claims["second"]) == sorted(ids[6:])
    assert outbox._claim(ids, token, timezone.now()) == []


@pytest.mark.django_db(transaction=True)
def test_one_batch_delivered_to_two_workers_at_once_sends_each_row_once(queued, coach, sink):
    for person, hour in zip(_clients(coach, 5), range(9, 14), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due()
    (batch,) = _sweep(queued)
    results = []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            results.append(reminders_deliver(reminder_ids=batch[0], lease_token=batch[1]))
        finally:
            emails.kept_close()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent = [{pk for pk, status in result.items() if status == Status.SENT} for result in results]
    assert not sent[0] & sent[1]
    assert sent[0] | sent[1] == set(batch[0])
    assert len(sink.accepted) == 10
    assert len(Counter(sink.to)) == 5 and set(Counter(sink.to).values()) == {2}


# ------------------------------------------------------- in a real worker


def test_a_worker_sends_every_batch_over_one_connection_and_quits_it_at_shutdown(
    celery_processes, sink, coach, monkeypatch
):
    monkeypatch.setattr(outbox, "SEND_BATCH", 4)
    for person, hour in zip(_clients(coach, 6), range(8, 14), strict=True):
        _schedule(coach, person, hour=hour)
    _make_due()
    worker = celery_processes.start("worker", EMAIL_PORT=sink.port)

    assert reminders_sweep() == 12
    sent = wait_until(lambda: Reminder.objects.filter(status=Status.SENT).count() == 12, 60)
    assert sent, celery_processes.logs()
    assert len(sink.accepted) == 12
    assert len({peer for peer, _ in sink.accepted}) == 1
    assert (sink.ehlos, sink.quits) == (1, 0)

    worker.send_signal(signal.SIGTERM)  # a warm shutdown
    worker.wait(timeout=30)
    assert sink.quits == 1, celery_processes.logs()


# ----------------------------------------------------------- the bytes


def _parsed(raw: bytes) -> list[tuple]:
    """A message's parts as a reader sees them: type, charset, filename,
    headers (but those that differ from send to send) and decoded content."""
    message = email.message_from_bytes(raw, policy=email.policy.strict)
    varying = {"Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding"}
    shape = []
    for part in message.walk():
        headers = {
            name: str(value)
            for name, value in part.items()
            if name not in varying and not (name == "MIME-Version" and part is not message)
        }
        content = None if part.is_multipart() else part.get_content().replace("\r\n", "\n")
        shape.append(
            (part.get_content_type(), part.get_content_charset(), part.get_filename(), headers)
            + (content,)
        )
    return shape


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Kind.FIRST_REMINDER, Kind.RESCHEDULED, Kind.CANCELLED])
def test_the_bytes_sent_read_as_what_djangos_serializer_writes(coach, client_user, kind):
    client_user.time_zone = "Europe/Berlin"
    client_user.save()
    session = _schedule(coach, client_user)
    if kind == Kind.RESCHEDULED:
        session = session_reschedule(
            actor=coach,
            session=session,
            starts_at=session.starts_at + timedelta(hours=2),
            duration=timedelta(hours=1),
        )
    if kind == Kind.CANCELLED:
        session = session_cancel(actor=coach, session=session, reason="Unwell")
    reminder = Reminder.objects.select_related("session__coach", "session__client", "recipient")
    row = reminder.get(session=session, kind=kind, recipient=client_user)
    message = emails.build(**outbox.reminder_email(row))

    ours = emails.as_bytes(message)
    djangos = message.message(policy=email.policy.SMTP).as_bytes()
    assert _parsed(ours) == _parsed(djangos)
    assert all(len(line) <= 998 for line in ours.split(b"\r\n"))
    assert b"\n" not in ours.replace(b"\r\n", b"")  # every line ends in CRLF
    assert re.search(rb"^List-Unsubscribe: <http://testserver/emails/unsubscribe/", ours, re.M)


def test_any_other_message_takes_djangos_path_and_from_lines_stay_as_written(settings):
    settings.SITE_URL = "http://testserver"
    plain = emails.EmailMultiAlternatives(
        subject="Plain", body="Hello\nFrom here on, all good.\n", to=["a@example.org"]
    )
    assert emails._simple(plain)
    assert b"\r\nFrom here on" in emails.as_bytes(plain)  # not ">From"

    accented = emails.EmailMultiAlternatives(subject="Réunion", body="x", to=["a@example.org"])
    cc = emails.EmailMultiAlternatives(subject="x", body="x", to=["a@b.org"], cc=["c@d.org"])
    injected = emails.EmailMultiAlternatives(
        subject="x", body="x", to=["a@b.org"], headers={"X-Evil": "a\r\nBcc: c@d.org"}
    )
    for message in (accented, cc, injected):
        assert not emails._simple(message)
    parsed = email.message_from_bytes(emails.as_bytes(accented), policy=email.policy.default)
    assert parsed["Subject"] == "Réunion"
    assert parsed["Cc"] is None
    assert email.message_from_bytes(emails.as_bytes(cc), policy=email.policy.default)["Cc"]
