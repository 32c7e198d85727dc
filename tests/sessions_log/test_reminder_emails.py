"""What a reminder email says (sessions_log/services/reminder_emails.py):
when, how and with whom, nothing about recovery, in a message that parses
cleanly with its calendar file. Delivered here over real SMTP."""

import email
import email.policy
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.utils import timezone

from sessions_log.models import Reminder, Session
from sessions_log.services.notes import note_open, note_save_draft
from sessions_log.services.sessions import session_cancel, session_reschedule
from tests.helpers import (
    past_contact,
    reminders_opt_in,
    schedule_hour,
    sweep_and_send,
    text_body,
)

Kind = Reminder.Kind

pytestmark = pytest.mark.usefixtures("own_smtp_connection")

FORBIDDEN = ["recovery", "substance", "sober", "addiction", "Rivera", "Park"]


def _parts(message):
    return {part.get_content_type(): part for part in message.walk()}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Kind.FIRST_REMINDER, Kind.RESCHEDULED, Kind.CANCELLED])
def test_emails_say_only_when_how_and_who_and_parse_cleanly(mailbox, coach, client_user, kind):
    client_user.time_zone = "America/Los_Angeles"
    client_user.save()
    starts = datetime(2026, 12, 8, 23, 0, tzinfo=UTC)  # 3:00 PM in Los Angeles
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        session = schedule_hour(
            coach, client_user, starts, agenda="Talk about relapse and sobriety goals"
        )
        past_contact(coach, client_user, timedelta(hours=2))
        note = note_open(actor=coach, session=Session.objects.get(status="completed"))
        note_save_draft(
            actor=coach, note=note, narrative="Discussed cravings NOTE-CANARY-7", goals=""
        )
        if kind == Kind.RESCHEDULED:
            session = session_reschedule(
                actor=coach, session=session, starts_at=starts, duration=timedelta(hours=1)
            )
        if kind == Kind.CANCELLED:
            session = session_cancel(actor=coach, session=session, reason="Illness")
        reminder = Reminder.objects.get(session=session, kind=kind)
        sweep_and_send(reminder)

    assert len(mailbox) == 1
    raw = mailbox[0].as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.strict)
    subject = message["Subject"]
    assert subject.endswith(": Tue 8 Dec, 3:00 PM")
    text = _parts(message)["text/plain"].get_content()
    html = _parts(message)["text/html"].get_content()
    assert "Casey" in text and "Casey" in html
    for body in (subject, text, html):
        for word in [*FORBIDDEN, "relapse", "sobriety", "NOTE-CANARY-7", "cravings", "Illness"]:
            assert word.lower() not in body.lower(), (word, body)
    assert "Tuesday 8 December 2026, 3:00 PM" in text and "America/Los_Angeles" in text
    assert "phone" in text

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://testserver/emails/unsubscribe/")

    attachment = _parts(message)["text/calendar"]
    assert attachment.get_filename() == "appointment.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{session.uid}@appointments"
    assert int(event["SEQUENCE"]) == session.sequence
    assert event.decoded("DTSTART") == starts
    expected_method = "CANCEL" if kind == Kind.CANCELLED else "PUBLISH"
    assert str(calendar["METHOD"]) == expected_method
    assert "Park" not in attachment.get_content() and "Rivera" not in attachment.get_content()


@pytest.mark.django_db
def test_the_coachs_copy_names_the_client_by_initials_only(mailbox, coach, client_user):
    reminders_opt_in(coach, first_reminder=True)
    session = schedule_hour(coach, client_user, timezone.now() + timedelta(days=3))
    reminder = Reminder.objects.get(session=session, recipient=coach)
    sweep_and_send(reminder)
    body = text_body(mailbox[0])
    assert "R.P." in body and "Robin" not in body and "Park" not in body
