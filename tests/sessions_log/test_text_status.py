"""What Twilio says of the texts we sent: the status goes forward only; a
reminder's text not delivered is on the admins' failures page with its
code; a number found dead stops getting texts, the person's reminders go by
email again and they are told by email, once, in their language."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from common import sms
from sessions_log.models import Reminder, ReminderPreference, TextMessage, TextNumber
from sessions_log.services.text_webhooks import text_number_fail, text_number_failed_email_send
from tests.conftest import make_user, wait_until
from tests.helpers import count_queries, schedule_hour, sign_in, text_body
from tests.sessions_log.text_hooks import (
    NUMBER,
    confirmed_number,
    post_signed,
    sent_text,
    status_params,
)

STATUS = "sessions_log:text_status"


def _status(client, sink, message, status, code=None):
    response = post_signed(
        client, sink, STATUS, status_params(sink, message.provider_sid, status, code)
    )
    assert response.status_code == 204, response.content
    message.refresh_from_db()
    return message.status


def _text_sent(session, user) -> tuple[Reminder, TextMessage]:
    """The session's first text reminder, as the outbox leaves it once
    Twilio took it: the row sent, the text queued there."""
    row = Reminder.objects.get(
        session=session, recipient=user, channel="text", kind=Reminder.Kind.FIRST_REMINDER
    )
    Reminder.objects.filter(pk=row.pk).update(status=Reminder.Status.SENT, sent_at=timezone.now())
    return row, sent_text(user, reminder=row)


@pytest.fixture
def texted(coach, client_user, texts_on):
    """Robin gets reminders by text only (not by email too) and has an
    appointment in three days."""
    ReminderPreference.defaults_for(client_user).save()
    ReminderPreference.objects.filter(user=client_user).update(by_email=False)
    confirmed_number(client_user)
    return schedule_hour(coach, client_user, timezone.now() + timedelta(days=3))


def _channels(session, user):
    return set(
        Reminder.objects.filter(
            session=session, recipient=user, status=Reminder.Status.PENDING
        ).values_list("channel", flat=True)
    )


@pytest.mark.django_db
def test_the_status_goes_forward_and_never_back(client, client_user, texts_on):
    message = sent_text(client_user)
    assert _status(client, texts_on, message, "sending") == "sending"
    assert _status(client, texts_on, message, "sent") == "sent"
    assert _status(client, texts_on, message, "delivered") == "delivered"
    # Callbacks can come late and out of order: "sent" after "delivered",
    # or "queued", changes nothing.
    assert _status(client, texts_on, message, "queued") == "delivered"
    assert _status(client, texts_on, message, "undelivered", 30003) == "delivered"
    assert message.error_code is None


@pytest.mark.django_db
def test_a_status_we_do_not_track_changes_nothing(client, client_user, texts_on):
    message = sent_text(client_user, status="sent")
    assert _status(client, texts_on, message, "read") == "sent"


@pytest.mark.django_db
def test_an_undelivered_reminder_text_is_on_the_failures_page_with_its_code(
    client,
    coach,
    client_user,
    admin_user,
    texted,
    texts_on,
):
    row, message = _text_sent(texted, client_user)
    assert _status(client, texts_on, message, "undelivered", 30003) == "undelivered"
    assert message.error_code == 30003
    row.refresh_from_db()
    assert row.status == "failed" and row.last_error == "Twilio 30003: unreachable handset"
    # 30003 is the handset, not the number: texts stay on.
    assert TextNumber.objects.get(user=client_user).state == "on"
    sign_in(client, admin_user)
    page = client.get(reverse("sessions_log:reminder_problems")).content.decode()
    assert "Deliveries that failed" in page
    assert "<td>Text</td>" in page and "Undelivered (error 30003)" in page
    assert "Twilio 30003: unreachable handset" in page
    assert client_user.email in page
    assert NUMBER not in page and NUMBER[-4:] not in page


@pytest.mark.django_db
def test_a_late_failure_does_not_fail_a_reminder_planned_again_since(
    client,
    coach,
    client_user,
    texted,
    texts_on,
):
    row, message = _text_sent(texted, client_user)
    Reminder.objects.filter(pk=row.pk).update(status=Reminder.Status.PENDING)
    _status(client, texts_on, message, "failed", 30008)
    row.refresh_from_db()
    assert row.status == "pending"


@pytest.mark.django_db
def test_the_failures_page_keeps_its_query_count_at_1_and_30_rows(
    client,
    coach,
    client_user,
    admin_user,
    texted,
    texts_on,
    steady_session,
):
    row, message = _text_sent(texted, client_user)
    _status(client, texts_on, message, "undelivered", 30003)
    sign_in(client, admin_user)
    url = reverse("sessions_log:reminder_problems")
    client.get(url)
    one, _ = count_queries(client.get, url)
    for index in range(29):
        other = make_user(f"t{index}@example.org", "client")
        failed = Reminder.objects.create(
            session=texted,
            recipient=other,
            kind=Reminder.Kind.FIRST_REMINDER,
            channel=index % 2 and "text" or "email",
            status=Reminder.Status.FAILED,
            due_at=timezone.now(),
            next_attempt_at=timezone.now(),
            deadline=texted.starts_at,
        )
        if failed.channel == "text":
            sent_text(other, reminder=failed, status="failed")
    client.get(url)  # the login's first requests write its session; then none (steady_session)
    thirty, response = count_queries(client.get, url)
    assert response.content.decode().count("<tr>") == 31  # the header and 30 rows
    assert thirty == one


@pytest.mark.django_db
def test_a_dead_number_stops_texts_and_reminders_go_by_email_with_one_email(
    client,
    client_user,
    texted,
    texts_on,
    mailbox,
    django_capture_on_commit_callbacks,
):
    client_user.language = "es"
    client_user.save()
    assert _channels(texted, client_user) == {"text"}
    row, message = _text_sent(texted, client_user)
    with django_capture_on_commit_callbacks() as queued:
        _status(client, texts_on, message, "undelivered", 30005)
    number = TextNumber.objects.get(user=client_user)
    assert number.state == "failed" and number.failure_code == 30005
    assert _channels(texted, client_user) == {"email"}
    assert AuditEvent.objects.filter(action="texts.failed").count() == 1
    assert len(queued) == 1  # the email's task, after commit
    # Another text to the dead number fails too: nothing more happens.
    other = sent_text(client_user)
    with django_capture_on_commit_callbacks() as queued_again:
        _status(client, texts_on, other, "failed", 30005)
        assert text_number_fail(number=number, code=21211) is False  # as the outbox calls it
    assert queued_again == []
    assert AuditEvent.objects.filter(action="texts.failed").count() == 1
    # What the task sends: in Robin's language, naming only the last digits.
    assert text_number_failed_email_send(text_number_id=number.pk) is True
    (email,) = mailbox
    assert email["To"] == client_user.email
    assert email["Content-Language"] == "es"
    body = text_body(email)
    assert "terminado en 0001" in body and NUMBER not in body
    assert "http://testserver/texts/" in body


@pytest.mark.django_db
def test_a_failure_of_a_number_replaced_since_does_not_stop_the_new_one(
    client,
    client_user,
    texts_on,
):
    message = sent_text(client_user)
    confirmed_number(client_user, code_sent_at=timezone.now() + timedelta(seconds=1))
    _status(client, texts_on, message, "undelivered", 30005)
    assert TextNumber.objects.get(user=client_user).state == "on"


@pytest.mark.django_db(transaction=True)
def test_a_text_twilio_cannot_deliver_fails_the_number_and_a_real_worker_emails(
    live_server,
    client_user,
    texts_on,
    settings,
    mailbox,
    celery_worker_process,
):
    """End to end over HTTP: the text goes through the real library to the
    sink, whose signed callbacks (sent, then undelivered 30005) reach the
    live server; a real worker sends the email after commit."""
    settings.SITE_URL = live_server.url
    number = confirmed_number(client_user)
    texts_on.callbacks = True
    texts_on.undeliverable(NUMBER, code=30005)
    sent = sms.provider().send(
        to=NUMBER, body="Appointments: test", status_callback=live_server.url + reverse(STATUS)
    )
    TextMessage.objects.create(
        purpose="code", recipient=client_user, provider_sid=sent.sid, status=sent.status
    )
    assert wait_until(lambda: len(mailbox) == 1, timeout=60)
    assert TextMessage.objects.get().status == "undelivered"
    number.refresh_from_db()
    assert number.state == "failed"
    assert "ending 0001" in text_body(mailbox[0])
