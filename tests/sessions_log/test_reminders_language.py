"""Reminders, check-in requests and calendar files in their reader's
language (User.language): a Spanish-speaking client gets Spanish, with
Spanish dates in their own time zone; an English-speaking one stays English.
Delivery runs in the test process over real SMTP, as in test_reminders.py."""

import email
import email.policy
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.urls import reverse

from sessions_log.models import Reminder
from sessions_log.services.reminders import unsubscribe_token
from sessions_log.services.sessions import session_cancel, session_close, session_reschedule
from tests.helpers import reminders_opt_in, schedule_hour, sign_in, sweep_and_send, text_body

Kind = Reminder.Kind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_smtp_connection")]

STARTS = datetime(2026, 12, 8, 23, 0, tzinfo=UTC)  # Tuesday 3:00 PM in Los Angeles

# What each email says in Spanish (subject, a sentence of its text), and the
# English it must not say.
SPANISH = {
    Kind.FIRST_REMINDER: (
        "Recordatorio de cita: mar 8 dic, 15:00",
        "Te recordamos tu cita con Casey:",
        "This is a reminder of your appointment",
    ),
    Kind.RESCHEDULED: (
        "Cita cambiada: mar 8 dic, 15:00",
        "Tu cita cambió. Ahora es con Casey:",
        "Your appointment has changed",
    ),
    Kind.CANCELLED: (
        "Cita cancelada: mar 8 dic, 15:00",
        "Se canceló tu cita con Casey (por teléfono) del martes 8 de diciembre de 2026, 15:00",
        "is cancelled",
    ),
    Kind.CHECKIN_REQUEST: (
        "¿Cómo te fue en tu cita?",
        "¿Cómo te fue en tu cita con Casey el martes 8 de diciembre de 2026, 15:00?",
        "How was your appointment",
    ),
    Kind.CHECKIN_REMINDER: (
        "Tienes un chequeo abierto",
        "Tu chequeo sobre tu cita con Casey el martes 8 de diciembre de 2026, 15:00 sigue abierto",
        "is still open",
    ),
}
ENGLISH_EVERYWHERE = ["Hello,", "Stop these emails", "You get this email because", " time)"]


def _reminder_of(kind, coach, client_user):
    """The row of `kind` for `client_user`'s phone session at STARTS."""
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        session = schedule_hour(coach, client_user, STARTS)
        if kind == Kind.RESCHEDULED:
            session = session_reschedule(
                actor=coach, session=session, starts_at=STARTS, duration=timedelta(hours=1)
            )
        if kind == Kind.CANCELLED:
            session = session_cancel(actor=coach, session=session, reason="Illness")
    if kind in (Kind.CHECKIN_REQUEST, Kind.CHECKIN_REMINDER):
        with time_machine.travel(STARTS + timedelta(hours=2), tick=False):
            session_close(
                actor=coach,
                session=session,
                status="completed",
                actual_start=session.starts_at,
                minutes_spent=60,
            )
    return Reminder.objects.get(session=session, recipient=client_user, kind=kind)


def _delivered(mailbox, reminder):
    with time_machine.travel(datetime(2026, 12, 8, 12, 0, tzinfo=UTC), tick=False):
        sweep_and_send(reminder)
    assert len(mailbox) == 1
    message = email.message_from_bytes(mailbox[0].as_bytes(), policy=email.policy.strict)
    parts = {part.get_content_type(): part for part in message.walk()}
    return message, parts


@pytest.mark.parametrize("kind", list(SPANISH))
def test_a_spanish_speaking_client_gets_the_email_in_spanish(mailbox, coach, client_user, kind):
    client_user.time_zone, client_user.language = "America/Los_Angeles", "es"
    client_user.save()
    message, parts = _delivered(mailbox, _reminder_of(kind, coach, client_user))

    subject, sentence, english = SPANISH[kind]
    text = parts["text/plain"].get_content()
    html = parts["text/html"].get_content()
    assert message["Subject"] == subject
    assert message["Content-Language"] == "es"
    assert sentence in " ".join(text.split())
    assert text.startswith("Hola:") and '<html lang="es">' in html
    assert "Dejar de recibir estos correos" in html
    for body in (message["Subject"], text, html):
        for words in [english, *ENGLISH_EVERYWHERE]:
            assert words not in body, (words, body)
    if kind not in (Kind.CHECKIN_REQUEST, Kind.CHECKIN_REMINDER):
        flat = " ".join(text.split())
        assert "15:00 (hora de America/Los_Angeles)" in flat and "por teléfono" in flat
        (event,) = icalendar.Calendar.from_ical(parts["text/calendar"].get_content()).walk("VEVENT")
        assert (str(event["SUMMARY"]), str(event["LOCATION"])) == ("Cita con Casey", "Por teléfono")


def test_the_footer_names_the_kind_of_email_in_spanish(mailbox, coach, client_user):
    client_user.language = "es"
    client_user.save()
    _message, parts = _delivered(mailbox, _reminder_of(Kind.FIRST_REMINDER, coach, client_user))
    text = " ".join(parts["text/plain"].get_content().split())
    assert "Recibes este correo porque «un recordatorio 24 horas antes» está activado" in text
    assert "A reminder" not in text and "a reminder" not in text


@pytest.mark.parametrize("kind", [Kind.FIRST_REMINDER, Kind.CHECKIN_REQUEST])
def test_an_english_speaking_client_still_gets_english(mailbox, coach, client_user, kind):
    client_user.time_zone = "America/Los_Angeles"
    client_user.save()
    message, parts = _delivered(mailbox, _reminder_of(kind, coach, client_user))
    text = parts["text/plain"].get_content()
    assert message["Content-Language"] == "en"
    assert text.startswith("Hello,") and "Tuesday 8 December 2026, 3:00 PM" in text
    assert SPANISH[kind][2] in " ".join(text.split())
    assert "Hola" not in text and "martes" not in text


def test_the_language_is_the_readers_not_the_senders(mailbox, coach, client_user):
    """One change, two readers: the client's notice is Spanish, the coach's
    own copy of it stays English."""
    client_user.language = "es"
    client_user.save()
    reminders_opt_in(coach, cancelled=True)
    client_notice = _reminder_of(Kind.CANCELLED, coach, client_user)
    coach_notice = Reminder.objects.get(
        session=client_notice.session, recipient=coach, kind=Kind.CANCELLED
    )
    with time_machine.travel(datetime(2026, 12, 8, 12, 0, tzinfo=UTC), tick=False):
        sweep_and_send(client_notice)
        sweep_and_send(coach_notice)
    by_reader = {message["To"]: text_body(message) for message in mailbox}
    assert "Se canceló tu cita con Casey" in by_reader[client_user.email]
    assert "Your appointment with R.P." in by_reader[coach.email]
    assert "Se canceló" not in by_reader[coach.email]


def test_the_private_feed_speaks_its_owners_language(client, coach, client_user):
    client_user.language = "es"
    client_user.save()
    schedule_hour(coach, client_user, STARTS, modality="in_person", location="Library")
    sign_in(client, client_user)
    page = client.post(reverse("sessions_log:feed_settings"), {"action": "renew"})
    assert "Tu enlace privado del calendario" in page.content.decode()
    url = page.context["feed_url"].replace("http://testserver", "")
    client.logout()
    # Read by a calendar program that asks for English: the owner's language wins.
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Cita con Casey"
    assert str(event["LOCATION"]) == "En persona (el lugar está en la app)"
    assert b"Appointment" not in body and b"the place is in the app" not in body


def test_the_email_settings_page_and_the_unsubscribe_link_speak_spanish(client, client_user):
    client_user.language = "es"
    client_user.save()
    sign_in(client, client_user)
    page = client.get(reverse("sessions_log:reminder_settings")).content.decode()
    assert "Los correos solo dicen la hora" in page and "Emails say only" not in page
    assert "Un chequeo corto después de una cita" in page
    response = client.post(
        reverse("sessions_log:reminder_settings"),
        {"quiet_hours": "on", "quiet_start": "22:00", "quiet_end": "22:00"},
    )
    assert "Las horas de descanso deben terminar a otra hora." in response.content.decode()
    client.logout()

    # Opened from the email, signed out, in a browser that asks for English.
    link = reverse(
        "sessions_log:reminder_unsubscribe", args=[unsubscribe_token(client_user, "first_reminder")]
    )
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "¿Dejar de recibir este tipo de correo?" in page and "Stop getting" not in page
    done = client.post(link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Listo: ya no recibirás correos de «un recordatorio" in done
