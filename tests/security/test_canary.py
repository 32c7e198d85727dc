"""Canaries in a note, a check-in comment and a private request: the pages
meant to show them may, but they never reach logs, emails, Celery messages,
error pages, audit rows, URLs, or any raw database column."""

import base64
import logging
import re
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import CheckInRequest
from coaching.services.trust import checkin_submit
from sessions_log.models import Note, Reminder
from sessions_log.services.notes import note_open, note_save_draft, note_sign
from sessions_log.services.outbox import reminder_deliver, reminders_sweep
from sessions_log.services.sessions import session_schedule
from tests.coaching.test_checkins import LOW, _completed
from tests.helpers import sign_in
from tests.security.test_matrix import MATRIX

CANARIES = ["NOTE-CANARY-8812", "COMMENT-CANARY-3307", "PRIVATE-CANARY-5590"]


def _contains_canary(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


@pytest.fixture
def planted(coach, client_user, supervisor):
    session = _completed(coach, client_user)
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative=CANARIES[0])
    note_sign(actor=coach, note=note)
    checkin_submit(
        client=client_user,
        answers=LOW,
        comment=CANARIES[1],
        talk_to_supervisor=True,
        message=CANARIES[2],
        request=CheckInRequest.objects.get(session=session),
    )
    # An upcoming session, so that reminder emails go out too.
    session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality="phone",
    )
    return {"session": session.pk, "note": note.pk, "client": client_user.pk, "coach": coach.pk}


def _walk(client, people, planted):
    """Every GET page in the matrix as every person: (url, response)."""
    for name, (method, _allowed, kind) in MATRIX.items():
        if method != "get" or (kind and kind not in planted):
            continue
        url = reverse(name, args=[planted[kind]] if kind else [])
        for person in people:
            sign_in(client, person)
            yield url, client.get(url)


@pytest.mark.django_db
def test_canaries_stay_out_of_logs_errors_urls_emails_and_audit(
    client, caplog, mailbox, planted, coach, supervisor, client_user, other_coach, admin_user
):
    caplog.set_level(logging.DEBUG)
    people = [client_user, coach, supervisor, other_coach, admin_user]
    for url, response in _walk(client, people, planted):
        body = response.content.decode(errors="replace")
        if response.status_code >= 400:
            assert not _contains_canary(body), ("error page", url, response.status_code)
        assert not _contains_canary(response.get("Location", "")), url
        for link in re.findall(r'(?:href|action|src)="([^"]*)"', body):
            assert not _contains_canary(link), ("URL", url, link)

    # Every email the session produced (the check-in request among them).
    Reminder.objects.update(next_attempt_at=timezone.now(), due_at=timezone.now())
    reminders_sweep()
    for reminder in Reminder.objects.filter(lease_token__isnull=False):
        reminder_deliver(reminder_id=reminder.pk, lease_token=str(reminder.lease_token))
    assert mailbox, "the test should have sent email"
    for message in mailbox:
        assert not _contains_canary(message.as_string())

    assert not _contains_canary(caplog.text)
    for row in AuditEvent.objects.values_list():
        assert not _contains_canary(" ".join(map(str, row)))


@pytest.mark.django_db(transaction=True)
def test_celery_messages_carry_ids_not_content(settings, planted):
    settings.REMINDER_QUEUE = f"canary-{uuid.uuid4().hex[:8]}"
    Reminder.objects.update(next_attempt_at=timezone.now(), due_at=timezone.now())
    assert reminders_sweep() >= 1  # queued after commit, to a queue no worker reads
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        messages = broker.lrange(settings.REMINDER_QUEUE, 0, -1)
        assert messages
        for raw in messages:
            text = raw.decode()
            body = re.search(r'"body": "([^"]+)"', text)
            decoded = base64.b64decode(body.group(1)).decode() if body else ""
            assert not _contains_canary(text + decoded)
    finally:
        broker.delete(settings.REMINDER_QUEUE)


@pytest.mark.django_db
def test_no_database_column_holds_a_canary_in_plain_text(planted):
    assert Note.objects.get(pk=planted["note"]).narrative == CANARIES[0]  # it is there...
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            for canary in CANARIES:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE %s',  # noqa: S608
                    [f"%{canary}%"],
                )
                assert cursor.fetchone()[0] == 0, (table, canary)  # ...but only encrypted
    assert settings.FIELD_ENCRYPTION_KEYS
