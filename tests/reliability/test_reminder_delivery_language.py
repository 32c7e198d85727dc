"""A real `celery worker` process writes each email in its reader's
language: the worker has no request and no active language of its own, so
a Spanish-speaking client's reminder is Spanish only if the outbox and
common.emails say so (tests/sessions_log/test_reminders_language.py checks
every kind in this process)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_log.models import Reminder, ReminderPreference, Session
from sessions_log.services.outbox import reminders_sweep
from sessions_log.services.sessions import session_schedule
from tests.conftest import wait_until
from tests.helpers import text_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_sends_the_spanish_client_spanish_and_the_coach_english(
    celery_worker_process, mailbox, coach, client_user
):
    client_user.language = "es"
    client_user.save()
    ReminderPreference.objects.create(user=client_user, quiet_start=None, quiet_end=None)
    ReminderPreference.objects.create(
        user=coach, first_reminder=True, second_reminder=False, checkin_request=False
    )
    starts = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    session_schedule(
        actor=coach,
        client=client_user,
        starts_at=starts,
        duration=timedelta(hours=1),
        modality=Session.Modality.PHONE,
    )
    moment = timezone.now() - timedelta(seconds=1)
    Reminder.objects.filter(kind=Reminder.Kind.FIRST_REMINDER).update(
        due_at=moment, next_attempt_at=moment
    )

    def sent():
        reminders_sweep()
        return len(mailbox) == 2

    assert wait_until(sent, timeout=45, interval=0.25)
    by_reader = {message["To"]: message for message in mailbox}
    spanish, english = by_reader[client_user.email], by_reader[coach.email]
    assert spanish["Subject"].startswith("Recordatorio de cita: ")
    assert "Te recordamos tu cita con Casey:" in text_body(spanish)
    assert "This is a reminder" not in text_body(spanish)
    assert "Cita con Casey" in spanish.as_string()  # the .ics attachment too
    assert english["Subject"].startswith("Appointment reminder: ")
    assert "This is a reminder of your appointment with R.P.:" in text_body(english)
