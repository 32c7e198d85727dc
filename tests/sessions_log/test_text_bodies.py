"""What reminders say by text: within one SMS (160 GSM-7 characters) for
every kind and language, in the client's language, the time, the coach's
first name and a link, and nothing else about the person (issue 32)."""

from datetime import UTC, datetime

import pytest
from django.conf import settings

from sessions_log.models import Reminder
from sessions_log.services import text_bodies
from sessions_log.services.text_bodies import (
    MAX_SEPTETS,
    gsm7,
    is_gsm7,
    septets,
    text_body,
)

KINDS = Reminder.Kind.values
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# The longest date a text prints in each language ("Wed 30 Sep, 12:30 PM").
LATE_LONG_DATE = datetime(2026, 9, 30, 12, 30, tzinfo=UTC)
# The longest link base the settings accept (coaching/settings: 40 characters).
LONGEST_BASE = "https://appointments.example-clinic.org"
assert len(LONGEST_BASE) <= 40


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_text_fits_one_sms_at_the_longest_sender_name_and_link(settings, kind, language):
    settings.TEXTS_SENDER_NAME = "Peer Recovery Appointments of the County"  # cut to 20
    link = f"{LONGEST_BASE}/t/{'x' * text_bodies.LINK_CODE_LENGTH}"
    body = text_body(
        kind=kind,
        language=language,
        coach_name="Maximiliana-Josefína Ortega",
        when=LATE_LONG_DATE,
        time_zone="America/Los_Angeles",
        link=link,
    )
    assert is_gsm7(body), [char for char in body if not is_gsm7(char)]
    assert septets(body) <= MAX_SEPTETS, (septets(body), body)
    assert link in body  # never cut: a text is useless without it
    assert "STOP" in body  # how to stop, in every text (CTIA)
    assert body.startswith("Peer Recovery Appoi")  # the sender, named first


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_text_names_the_coach_by_first_name_and_the_time_in_the_clients_zone(
    settings, kind, language
):
    settings.TEXTS_SENDER_NAME = "Appointments"
    body = text_body(
        kind=kind,
        language=language,
        coach_name="Sam Rivera",
        when=datetime(2026, 12, 10, 18, 30, tzinfo=UTC),
        time_zone="America/New_York",  # 13:30 there
        link="https://x.example/t/abc",
    )
    assert "Sam" in body and "Rivera" not in body
    if kind not in (Reminder.Kind.CHECKIN_REQUEST, Reminder.Kind.CHECKIN_REMINDER):
        assert ("1:30" in body) or ("13:30" in body)
    assert "https://x.example/t/abc" in body


def test_texts_speak_the_clients_language_without_letters_outside_gsm7(settings):
    settings.TEXTS_SENDER_NAME = "Citas"
    arguments = {
        "coach_name": "María",
        "when": datetime(2026, 12, 12, 15, 0, tzinfo=UTC),  # a Saturday: "sáb"
        "time_zone": "UTC",
        "link": "https://x.example/",
    }
    english = text_body(kind=Reminder.Kind.FIRST_REMINDER, language="en", **arguments)
    spanish = text_body(kind=Reminder.Kind.FIRST_REMINDER, language="es", **arguments)
    assert "appointment" in english and "Reply STOP" in english
    assert "cita" in spanish and "Responde STOP" in spanish and "appointment" not in spanish
    # "María" and "sáb" come out as one SMS's letters, not as UCS-2.
    assert "Maria" in spanish and "sab" in spanish
    assert is_gsm7(spanish)


def test_gsm7_keeps_its_own_letters_and_replaces_the_others():
    assert gsm7("¿Qué tal? ñ é ü") == "¿Qué tal? ñ é ü"  # all in GSM-7
    assert gsm7("sesión, día, más, Úrsula") == "sesion, dia, mas, Ursula"
    assert gsm7("emoji 🙂") == "emoji ?"
    assert septets("a€[") == 5  # the extension table takes two septets each


def test_a_text_that_cannot_fit_is_refused_rather_than_cut(settings):
    settings.TEXTS_SENDER_NAME = "Appointments"
    with pytest.raises(ValueError, match="does not fit"):
        text_body(
            kind=Reminder.Kind.CHECKIN_REMINDER,
            language="en",
            coach_name="Sam",
            when=LATE_LONG_DATE,
            time_zone="UTC",
            link="https://" + "x" * 120,
        )
