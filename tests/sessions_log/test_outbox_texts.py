"""Reminders by text through the outbox (issue 32): the real `twilio` library
sends to a local server speaking Twilio's REST API (tests/sms.py), with the
same claims, retries and failures as email."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sessions_log.models import Reminder, ReminderPreference, TextMessage, TextNumber
from sessions_log.services.outbox import reminder_deliver, reminders_deliver, reminders_sweep
from tests.conftest import wait_until
from tests.helpers import make_due, schedule_hour, sweep_and_send
from tests.sessions_log.text_hooks import NUMBER, confirmed_number
from tests.sms import FROM_NUMBER

Kind, Status, Channel = Reminder.Kind, Reminder.Status, Reminder.Channel


@pytest.fixture
def texting_client(texts_on, client_user):
    ReminderPreference.objects.create(user=client_user, quiet_start=None, quiet_end=None)
    confirmed_number(client_user)
    return client_user


def _session(coach, client, days=3):
    starts = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return schedule_hour(coach, client, starts)


def _row(session, kind=Kind.FIRST_REMINDER, channel=Channel.TEXT) -> Reminder:
    return Reminder.objects.get(session=session, kind=kind, channel=channel)


@pytest.mark.django_db
def test_a_client_with_a_confirmed_number_gets_the_reminder_by_text_and_by_email(
    texting_client, coach, texts_on, mailbox, own_smtp_connection
):
    session = _session(coach, texting_client)
    channels = set(
        Reminder.objects.filter(session=session, recipient=texting_client).values_list(
            "kind", "channel"
        )
    )
    assert channels == {
        (k, c) for k in (Kind.FIRST_REMINDER, Kind.SECOND_REMINDER) for c in Channel
    }

    assert sweep_and_send(_row(session)) == Status.SENT
    assert sweep_and_send(_row(session, channel=Channel.EMAIL)) == Status.SENT
    (text,) = texts_on.messages
    assert text["to"] == NUMBER and text["from_"] == FROM_NUMBER
    assert "Casey" in text["body"] and "STOP" in text["body"]
    assert text["status_callback"].endswith("/texts/status/")
    assert len(mailbox) == 1
    kept = TextMessage.objects.get()
    assert (kept.provider_sid, kept.reminder_id, kept.status) == (
        text["sid"],
        _row(session).pk,
        "queued",
    )


@pytest.mark.django_db
def test_a_client_who_wants_texts_only_gets_no_email(texting_client, coach):
    ReminderPreference.objects.filter(user=texting_client).update(by_email=False)
    session = _session(coach, texting_client)
    assert set(
        Reminder.objects.filter(session=session, recipient=texting_client).values_list(
            "channel", flat=True
        )
    ) == {Channel.TEXT}


@pytest.mark.django_db
def test_without_the_provider_configured_reminders_go_by_email_only(settings, coach, client_user):
    settings.TWILIO_ACCOUNT_SID = ""
    confirmed_number(client_user)
    session = _session(coach, client_user)
    assert set(Reminder.objects.filter(session=session).values_list("channel", flat=True)) == {
        Channel.EMAIL
    }


@pytest.mark.django_db
def test_a_provider_outage_is_retried_later_and_then_sent_once(texting_client, coach, texts_on):
    session = _session(coach, texting_client)
    row = _row(session)
    texts_on.fail_next(503)
    assert sweep_and_send(row) == Status.PENDING
    row.refresh_from_db()
    assert "503" in row.last_error and row.next_attempt_at > timezone.now()
    assert texts_on.messages == []

    assert sweep_and_send(row) == Status.SENT
    assert len(texts_on.messages) == 1
    row.refresh_from_db()
    assert row.attempts == 2


@pytest.mark.django_db
def test_a_timeout_counts_as_an_outage_not_as_a_failure(texting_client, coach, texts_on, settings):
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    session = _session(coach, texting_client)
    texts_on.delay_next(3, taken=False)
    assert sweep_and_send(_row(session)) == Status.PENDING
    assert "not reached" in _row(session).last_error


@pytest.mark.django_db
def test_two_unreachable_sends_hold_the_rest_of_the_batch_for_later(
    texting_client, coach, texts_on
):
    sessions = [_session(coach, texting_client, days=3 + n) for n in range(4)]
    texts_on.fail_next(503, count=2)
    for session in sessions:
        Reminder.objects.filter(pk=_row(session).pk).update(
            due_at=timezone.now() - timedelta(seconds=1),
            next_attempt_at=timezone.now() - timedelta(seconds=1),
        )
    reminders_sweep()
    rows = Reminder.objects.filter(channel=Channel.TEXT, kind=Kind.FIRST_REMINDER).order_by("pk")
    token = str(rows[0].lease_token)
    statuses = reminders_deliver(reminder_ids=[row.pk for row in rows], lease_token=token)
    assert set(statuses.values()) == {Status.PENDING}
    # Two tries reached nothing; the other two were not tried at all.
    assert texts_on.messages == []
    assert all("503" in row.last_error for row in rows.all())


@pytest.mark.django_db
def test_a_number_refused_for_good_fails_the_text_and_is_not_retried(
    texting_client, coach, texts_on
):
    session = _session(coach, texting_client)
    texts_on.fail_next(400, code=21408)  # a region not enabled: wrong for this text, not the number
    assert sweep_and_send(_row(session)) == Status.FAILED
    assert "21408" in _row(session).last_error
    assert TextNumber.objects.get(user=texting_client).active  # the number itself is fine


@pytest.mark.django_db
def test_a_stopped_number_gets_nothing_more(texting_client, coach, texts_on):
    session = _session(coach, texting_client)
    TextNumber.objects.filter(user=texting_client).update(
        stopped_at=timezone.now(), stopped_by="text"
    )
    assert sweep_and_send(_row(session)) == Status.SKIPPED
    assert texts_on.messages == []


@pytest.mark.django_db
def test_a_reminder_text_is_written_in_the_clients_language(texting_client, coach, texts_on):
    texting_client.language = "es"
    texting_client.save(update_fields=["language"])
    session = _session(coach, texting_client)
    sweep_and_send(_row(session))
    (text,) = texts_on.messages
    assert "cita con Casey" in text["body"] and "Responde STOP" in text["body"]


@pytest.mark.django_db
def test_a_send_to_a_dead_number_stops_texts_to_it_and_reminders_go_by_email_again(
    texting_client, coach, texts_on, django_capture_on_commit_callbacks
):
    session = _session(coach, texting_client)
    texts_on.reject_number(NUMBER, code=21614)  # not a mobile number
    row = _row(session)
    make_due(row)
    reminders_sweep()
    row.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        status = reminder_deliver(reminder_id=row.pk, lease_token=str(row.lease_token))
    assert status == Status.FAILED
    number = TextNumber.objects.get(user=texting_client)
    assert (number.state, number.failure_code) == ("failed", 21614)
    assert len(queued) == 1  # the email telling the client why (its own tests: test_text_status)
    # The second reminder is planned again, by email only.
    assert _row(session, Kind.SECOND_REMINDER).status == Status.CANCELLED
    assert _row(session, Kind.SECOND_REMINDER, Channel.EMAIL).status == Status.PENDING


@pytest.mark.django_db
def test_a_send_refused_because_the_person_replied_stop_to_twilio_turns_texts_off(
    texting_client, coach, texts_on
):
    session = _session(coach, texting_client)
    texts_on.reject_number(NUMBER, code=21610)
    assert sweep_and_send(_row(session)) == Status.FAILED
    number = TextNumber.objects.get(user=texting_client)
    assert (number.state, number.stopped_by, number.failed_at) == ("stopped", "text", None)
    assert _row(session, Kind.SECOND_REMINDER).status == Status.CANCELLED


def test_a_text_is_known_before_the_batch_ends_so_its_first_delivery_report_is_kept(
    transactional_db, texting_client, coach, texts_on
):
    """Twilio may report "sent" within a second; the batch may still be
    sending its other texts then (sessions_log/services/text_webhooks.py
    ignores a report of a text it does not know)."""
    sessions = [_session(coach, texting_client, days=3 + n) for n in range(2)]
    for session in sessions:
        make_due(_row(session))
    reminders_sweep()
    rows = list(Reminder.objects.filter(channel=Channel.TEXT, lease_token__isnull=False))
    texts_on.delay_next(0)
    texts_on.delay_next(3)  # the second send hangs: the batch is not over

    def deliver():
        try:
            reminders_deliver(
                reminder_ids=[r.pk for r in rows], lease_token=str(rows[0].lease_token)
            )
        finally:
            connection.close()  # the thread's own: the test database can then be dropped

    batch = threading.Thread(target=deliver)
    batch.start()
    try:
        assert wait_until(lambda: len(texts_on.messages) == 2, timeout=10)
        first_sid = texts_on.messages[0]["sid"]
        assert TextMessage.objects.filter(provider_sid=first_sid).exists()
        assert (
            Reminder.objects.filter(pk__in=[r.pk for r in rows], status=Status.SENDING).count() == 2
        )
    finally:
        batch.join(timeout=30)
    assert TextMessage.objects.count() == 2
