"""A client opts in to texts (issue 32, item 3): a number and the consent,
a code texted to it through the real twilio library (into the local sink,
tests/sms.py), typed back; wrong and late codes, how often codes go, bad
numbers; texts turned off and on in the app, the number removed; each
change re-plans the client's upcoming reminders by text or by email."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from sessions_log.models import Reminder, TextMessage, TextNumber
from sessions_log.services import texts
from sessions_log.services.reminders import reminder_preferences_update
from sessions_log.services.text_bodies import is_gsm7, septets
from sessions_log.services.texts import (
    text_number_confirm,
    text_number_remove,
    text_number_resend,
    text_number_resume,
    text_number_start,
    text_number_stop,
)
from sessions_log.tasks import text_code_send
from tests.conftest import wait_until
from tests.helpers import schedule_hour

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # an upcoming appointment
NUMBER = "+15552019876"


def _code_sent(sink, row) -> str:
    """Run the task as a worker would (inside a test on_commit never
    fires) and read the code off the text that arrived."""
    assert text_code_send(row.pk) == "sent"
    return re.search(r"\b(\d{6})\b", sink.messages[-1]["body"]).group(1)


def _opted_in(sink, person) -> TextNumber:
    row = text_number_start(actor=person, number=NUMBER, consent=True)
    return text_number_confirm(actor=person, code=_code_sent(sink, row))


def _channels(session, person) -> dict[str, set[str]]:
    """The reminders waiting to go to `person`, by channel: {kind, ...}."""
    found: dict[str, set[str]] = {"email": set(), "text": set()}
    for row in Reminder.objects.filter(
        session=session, recipient=person, status=Reminder.Status.PENDING
    ):
        found[row.channel].add(row.kind)
    return found


BOTH = {Reminder.Kind.FIRST_REMINDER, Reminder.Kind.SECOND_REMINDER}


@time_machine.travel(NOW, tick=False)
def test_the_code_arrives_and_typed_back_turns_texts_on(texts_on, coach, client_user):
    session = schedule_hour(coach, client_user, STARTS)
    assert _channels(session, client_user) == {"email": BOTH, "text": set()}

    row = text_number_start(actor=client_user, number="(555) 201-9876", consent=True)
    assert (row.number, row.state, row.verified_at) == (NUMBER, "unconfirmed", None)
    code = _code_sent(texts_on, row)
    (text,) = texts_on.messages
    assert text["to"] == NUMBER and text["from_"] == "+15005550006"
    assert text["body"] == f"Appointments: your code is {code}. It works for 10 minutes."
    assert text["status_callback"] == "http://testserver/texts/status/"
    sent = TextMessage.objects.get()
    assert (sent.purpose, sent.recipient, sent.provider_sid) == ("code", client_user, text["sid"])
    # The code itself is nowhere but in the text.
    assert code not in str(list(TextNumber.objects.values()))

    text_number_confirm(actor=client_user, code=f" {code[:3]} {code[3:]} ")
    row.refresh_from_db()
    assert row.state == "on" and row.verified_at == NOW
    assert row.consent_language == "en" and "Reply STOP to stop, HELP for help" in row.consent_text
    assert AuditEvent.objects.filter(actor=client_user, action="texts.opt_in").count() == 1
    # The upcoming appointment's reminders now go by text, and by email too.
    assert _channels(session, client_user) == {"email": BOTH, "text": BOTH}


@time_machine.travel(NOW, tick=False)
def test_reminders_go_by_text_only_when_the_client_says_not_by_email(texts_on, coach, client_user):
    session = schedule_hour(coach, client_user, STARTS)
    _opted_in(texts_on, client_user)
    reminder_preferences_update(actor=client_user, by_email=False)
    assert _channels(session, client_user) == {"email": set(), "text": BOTH}


@time_machine.travel(NOW, tick=False)
def test_a_wrong_code_counts_and_five_wrong_tries_kill_it(texts_on, client_user):
    row = text_number_start(actor=client_user, number=NUMBER, consent=True)
    code = _code_sent(texts_on, row)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        with pytest.raises(ValidationError) as refused:
            text_number_confirm(actor=client_user, code=wrong)
        row.refresh_from_db()
        assert row.code_attempts == attempt  # kept, though the answer was an error
    assert "too many wrong tries" in str(refused.value)
    with pytest.raises(ValidationError, match="too many wrong tries. Send a new code"):
        text_number_confirm(actor=client_user, code=code)
    row.refresh_from_db()
    assert row.state == "unconfirmed"
    assert AuditEvent.objects.filter(action="texts.code_wrong", outcome="denied").count() == 5


@time_machine.travel(NOW, tick=False)
def test_a_code_that_is_not_six_digits_is_not_a_try(texts_on, client_user):
    row = text_number_start(actor=client_user, number=NUMBER, consent=True)
    _code_sent(texts_on, row)
    for typed in ["", "12345", "1234567", "abcdef", "１２３４５６"]:
        with pytest.raises(ValidationError, match="Enter the 6-digit code from the text"):
            text_number_confirm(actor=client_user, code=typed)
    row.refresh_from_db()
    assert row.code_attempts == 0


def test_a_code_works_for_ten_minutes(texts_on, client_user):
    with time_machine.travel(NOW, tick=False):
        row = text_number_start(actor=client_user, number=NUMBER, consent=True)
        code = _code_sent(texts_on, row)
    with time_machine.travel(NOW + timedelta(minutes=10, seconds=1), tick=False):
        with pytest.raises(ValidationError, match="That code has expired"):
            text_number_confirm(actor=client_user, code=code)
        row.refresh_from_db()
        assert row.state == "unconfirmed"
        # A new code, which works.
        text_number_resend(actor=client_user)
        new = _code_sent(texts_on, row)
        with pytest.raises(ValidationError, match="not right"):
            text_number_confirm(actor=client_user, code=code if code != new else "000000")
        text_number_confirm(actor=client_user, code=new)
    row.refresh_from_db()
    assert row.state == "on"


def test_codes_go_at_most_once_a_minute_and_five_a_day(texts_on, client_user):
    with time_machine.travel(NOW, tick=False) as clock:
        text_number_start(actor=client_user, number=NUMBER, consent=True)
        with pytest.raises(ValidationError, match="less than a minute ago"):
            text_number_resend(actor=client_user)
        for _ in range(4):
            clock.shift(timedelta(seconds=61))
            text_number_resend(actor=client_user)
        clock.shift(timedelta(hours=1))
        with pytest.raises(ValidationError) as refused:
            text_number_resend(actor=client_user)
        assert "You have asked for 5 codes today. You can ask again after Dec. 2, 2026" in str(
            refused.value
        )
        # Removing the number and giving it (or another) again does not start afresh.
        text_number_remove(actor=client_user)
        with pytest.raises(ValidationError, match="5 codes today"):
            text_number_start(actor=client_user, number="+15552010000", consent=True)
        assert not TextNumber.objects.exists()
        clock.shift(timedelta(days=1) - timedelta(hours=1))
        text_number_start(actor=client_user, number=NUMBER, consent=True)
    assert TextNumber.objects.get().codes_sent == 1


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("555 201 9876", NUMBER),
        ("555.201.9876", NUMBER),
        ("(555) 201-9876", NUMBER),
        ("+1 555 201 9876", NUMBER),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_numbers_are_kept_as_e164(texts_on, client_user, typed, stored):
    assert text_number_start(actor=client_user, number=typed, consent=True).number == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "201 9876",  # 7 digits: no area code
        "1 555 201 9876",  # 11 digits without the +
        "+1 155 201 9876",  # no area code starts with 1
        "+0 20 7946 0958",
        "+1234567890123456",  # more than 15 digits
        "555-201-9876 ext 2",
        "call me",
        "+44 20 7946 0958; DROP TABLE",
        "٥٥٥٢٠١٩٨٧٦",  # digits, but not ASCII ones
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_bad_number_is_refused_and_nothing_changes(texts_on, client_user, typed):
    with pytest.raises(ValidationError) as refused:
        text_number_start(actor=client_user, number=typed, consent=True)
    assert refused.value.message_dict == {"number": ["Enter a mobile number like +1 555 123 4567."]}
    assert not TextNumber.objects.exists() and not AuditEvent.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_consent_must_be_ticked(texts_on, client_user):
    with pytest.raises(ValidationError) as refused:
        text_number_start(actor=client_user, number=NUMBER, consent=False)
    assert refused.value.message_dict == {"consent": ["Tick the box to agree to get texts."]}
    assert not TextNumber.objects.exists()


def test_nothing_starts_while_texts_are_not_available_here(client_user):
    with pytest.raises(ValidationError, match="Text messages are not available here"):
        text_number_start(actor=client_user, number=NUMBER, consent=True)
    assert not TextNumber.objects.exists()


def test_only_clients_give_a_number(texts_on, coach):
    with pytest.raises(PermissionDenied):
        text_number_start(actor=coach, number=NUMBER, consent=True)


@time_machine.travel(NOW, tick=False)
def test_stop_resume_and_remove_in_the_app_move_the_reminders(texts_on, coach, client_user):
    session = schedule_hour(coach, client_user, STARTS)
    _opted_in(texts_on, client_user)
    reminder_preferences_update(actor=client_user, by_email=False)

    row = text_number_stop(actor=client_user)
    assert (row.state, row.stopped_by) == ("stopped", "app")
    assert _channels(session, client_user) == {"email": BOTH, "text": set()}

    text_number_resume(actor=client_user)
    assert _channels(session, client_user) == {"email": set(), "text": BOTH}

    text_number_remove(actor=client_user)
    assert not TextNumber.objects.exists()
    assert _channels(session, client_user) == {"email": BOTH, "text": set()}
    actions = AuditEvent.objects.filter(actor=client_user, action__startswith="texts.")
    assert {"texts.stop", "texts.resume", "texts.remove"} <= set(
        actions.values_list("action", flat=True)
    )


@time_machine.travel(NOW, tick=False)
def test_after_stop_by_text_only_start_by_text_turns_them_on(texts_on, client_user):
    row = _opted_in(texts_on, client_user)
    # What the inbound webhook does on STOP (Part C).
    TextNumber.objects.filter(pk=row.pk).update(stopped_at=NOW, stopped_by="text")
    with pytest.raises(ValidationError, match=r"reply START to \+15005550006"):
        text_number_resume(actor=client_user)
    with pytest.raises(ValidationError, match="reply START"):
        text_number_start(actor=client_user, number=NUMBER, consent=True)
    row.refresh_from_db()
    assert (row.state, row.stopped_by) == ("stopped", "text")


@time_machine.travel(NOW, tick=False)
def test_a_code_text_in_spanish_stays_in_one_gsm7_message(texts_on, settings, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    row = text_number_start(actor=client_user, number=NUMBER, consent=True)
    code = _code_sent(texts_on, row)
    body = texts_on.messages[-1]["body"]
    assert body == f"Appointments: tu codigo es {code}. Sirve por 10 minutos."
    assert is_gsm7(body) and septets(body) <= 160

    # Every language's code text, with a long sender name, fits too.
    settings.TEXTS_SENDER_NAME = "Centro Comunitario de Recuperación del Condado " * 3
    for language in ("en", "es"):
        long = texts.code_text("123456", language)
        assert is_gsm7(long) and septets(long) <= 160


@time_machine.travel(NOW, tick=False)
def test_a_refused_number_is_logged_without_it_and_a_new_code_can_be_sent(
    texts_on, client_user, caplog
):
    texts_on.reject_number(NUMBER, code=21211)
    row = text_number_start(actor=client_user, number=NUMBER, consent=True)
    with caplog.at_level(logging.WARNING, logger="sessions_log.services.texts"):
        assert text_code_send(row.pk) == "failed"
    assert "21211" in caplog.text and "9876" not in caplog.text
    assert not TextMessage.objects.exists()
    row.refresh_from_db()
    assert row.state == "unconfirmed"


@time_machine.travel(NOW, tick=False)
def test_the_task_texts_one_code_however_often_it_runs(texts_on, client_user):
    row = text_number_start(actor=client_user, number=NUMBER, consent=True)
    assert text_code_send(row.pk) == "sent"
    assert text_code_send(row.pk) == "not wanted"
    assert len(texts_on.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_texts_the_code_after_the_request_commits(
    texts_on, celery_processes, client_user
):
    celery_processes.start("worker")  # with the texts' settings (tests/sms.py worker_env)
    row = text_number_start(actor=client_user, number=NUMBER, consent=True)
    assert wait_until(lambda: texts_on.messages), celery_processes.logs()
    code = re.search(r"\b(\d{6})\b", texts_on.messages[0]["body"]).group(1)
    assert code not in celery_processes.logs()
    text_number_confirm(actor=client_user, code=code)
    row.refresh_from_db()
    assert row.state == "on"


@time_machine.travel(NOW, tick=False)
def test_a_code_to_a_number_found_dead_does_not_turn_texts_on(texts_on, client_user):
    row = text_number_start(actor=client_user, number=NUMBER, consent=True)
    code = _code_sent(texts_on, row)
    # What the status webhook does when the code's text is undeliverable (Part C).
    TextNumber.objects.filter(pk=row.pk).update(failed_at=NOW, failure_code=30005)
    with pytest.raises(ValidationError, match="could not be delivered"):
        text_number_confirm(actor=client_user, code=code)
    row.refresh_from_db()
    assert row.state == "failed"
