"""Canaries in a note, a check-in comment, a private request, a discharge
summary and a consent (its purpose, the event it ends on): the pages
meant to show them may, but they never reach logs, emails, Celery messages,
error pages, audit rows, URLs, or any raw database column. And a canary in
every free-text field never reaches a dump of the database."""

import base64
import glob
import logging
import os
import re
import shutil
import subprocess
import uuid
from datetime import date, timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import payer_identity_set
from coaching.models import CheckInRequest, ExportKind, Recipient, ReferralSource
from coaching.services.consents import consent_prepare, consent_sign
from coaching.services.disclosures import export_split
from coaching.services.episodes import episode_discharge, episode_open
from coaching.services.trust import checkin_submit
from sessions_log.models import Note, Reminder
from sessions_log.services.notes import note_open, note_save_draft, note_sign
from sessions_log.services.outbox import reminder_deliver, reminders_sweep
from sessions_log.services.sessions import session_schedule
from tests.helpers import LOW, _completed, sign_in
from tests.security.free_text import (
    SHORT_CODES,
    TEXTS_ON,
    encrypted_fields_in_registry,
    fetch,
    pages,
    plant,
    shows,
)
from tests.security.test_matrix import MATRIX

CANARIES = [
    "NOTE-CANARY-8812",
    "COMMENT-CANARY-3307",
    "PRIVATE-CANARY-5590",
    "DISCHARGE-CANARY-7741",
    "CONSENT-CANARY-6620",
    "EVENT-CANARY-2281",
    "MEMBER-CANARY-4471",
]


def _contains_canary(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


@pytest.fixture
def planted(coach, client_user, supervisor, admin_user):
    session = _completed(coach, client_user)
    # A payer member id, which staff who bill (admins) record.
    payer_identity_set(
        actor=admin_user, client=client_user, date_of_birth=None, member_id=CANARIES[6]
    )
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
    # A discharge summary: an episode of care closed today, then a readmission.
    referred = ReferralSource.objects.get_or_create(name="Self")[0]
    today = timezone.localdate()
    episode_open(
        actor=coach,
        client=client_user,
        intake_date=today - timedelta(days=20),
        referral_source=referred,
    )
    episode_discharge(
        actor=coach, client=client_user, discharge_date=today, reason="other", summary=CANARIES[3]
    )
    # An upcoming session, so that reminder emails go out too.
    session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality="phone",
    )
    # A consent the client signed, and a disclosure under it.
    acme = Recipient.objects.create(name="Acme Health Plan", kind=Recipient.Kind.ORGANISATION)
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        legal_name=client_user.display_name,
        information_from=date(2020, 1, 1),
        recipient=acme,
        purpose=CANARIES[4],
        information=["service_record", "session_notes"],
        ends_on_event=CANARIES[5],
    )
    consent_sign(
        actor=client_user, consent=consent, typed_name=client_user.display_name, confirmed=True
    )
    export_split(
        actor=coach,
        client_ids=[client_user.pk],
        recipient=acme,
        information=["service_record"],
        export=ExportKind.NAMED_RECIPIENT,
        service_dates={client_user.pk: (session.starts_at.date(), session.starts_at.date())},
    )
    return {
        "session": session.pk,
        "note": note.pk,
        "client": client_user.pk,
        "coach": coach.pk,
        "consent": consent.pk,
    }


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


def _pg_dump_binary() -> str:
    """Debian keeps pg_dump under /usr/lib/postgresql/<version>/bin: the newest
    one, since pg_dump refuses a server newer than itself."""

    def version(path):
        return int(path.split("/")[-3]) if path.split("/")[-3].isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), key=version, reverse=True)
    binary = next(iter(found), None) or shutil.which("pg_dump")
    assert binary, "pg_dump is needed to check what a dump of the database holds"
    return binary


def _pg_dump() -> str:
    db = connection.settings_dict
    result = subprocess.run(  # noqa: S603 - our own binary and test database
        [
            _pg_dump_binary(),
            "--no-owner",
            "--host",
            str(db["HOST"]),
            "--port",
            str(db["PORT"]),
            "--username",
            str(db["USER"]),
            str(db["NAME"]),
        ],
        env={**os.environ, "PGPASSWORD": str(db["PASSWORD"] or "")},
        capture_output=True,
        check=True,
        timeout=120,
    )
    return result.stdout.decode(errors="replace")


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_none_of_the_free_text(client, team, coach, supervisor, settings):
    """Committed (a transactional test), so pg_dump sees what a backup would."""
    from coaching.celery import app

    # Tasks queued after commit (the supervisor's notice) run here, not on
    # the shared broker: they are part of what may leave text behind.
    app.conf.task_always_eager = True
    for name, value in TEXTS_ON.items():  # the texts' page says it is off without them
        setattr(settings, name, value)
    try:
        planted = plant(team=team, coach=coach, supervisor=supervisor)
        assert encrypted_fields_in_registry() <= set(planted["text"]), "fill every field"
        # The pages read it all (and whatever they cache is in the dump too).
        for person, url, fields in pages(planted):
            sign_in(client, person)
            response = fetch(client, url)
            assert response.status_code == 200, url
            for field in fields:
                assert shows(response, field, planted["text"][field]), (url, field)
    finally:
        app.conf.task_always_eager = False

    dump = _pg_dump()
    assert "COPY public.sessions_log_note " in dump  # a real dump, with the data
    assert not [
        field
        for field, text in planted["text"].items()
        if text in dump and field not in SHORT_CODES
    ]
    assert planted["token"] not in dump  # nor any piece of it
