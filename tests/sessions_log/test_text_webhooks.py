"""Texts people send to our number: STOP (and its synonyms) turns texts off
at once and is confirmed once, START turns them on, HELP answers, anything
else is told nobody reads it. Posted as Twilio posts them, signed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from sessions_log.models import Reminder, TextNumber
from tests.helpers import schedule_hour
from tests.sessions_log.text_hooks import NUMBER, OTHER_NUMBER, confirmed_number, inbound

STOPPED = "Appointments: you will get no more texts. Reply START to get them again."
HELP = "Appointments: appointment reminders. Help: +1 555 010 0199. Reply STOP to stop."
NOT_READ = (
    "Appointments: texts to this number are not read. "
    "To reach your coach use the app or call +1 555 010 0199."
)


@pytest.fixture
def upcoming(coach, client_user, texts_on):
    """Robin gets texts, and has an appointment in three days: text and
    email reminders are planned."""
    confirmed_number(client_user)
    session = schedule_hour(coach, client_user, timezone.now() + timedelta(days=3))
    assert _pending(session, client_user, "text")
    return session


def _pending(session, user, channel):
    return set(
        Reminder.objects.filter(
            session=session, recipient=user, channel=channel, status=Reminder.Status.PENDING
        ).values_list("kind", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stop",
        " Stop ",
        "STOPALL",
        "UNSUBSCRIBE",
        "cancel",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
    ],
)
def test_it_stops_texts_at_once_for_stop_and_each_synonym(
    client, client_user, upcoming, texts_on, word
):
    assert inbound(client, texts_on, word) == [STOPPED]
    number = TextNumber.objects.get(user=client_user)
    assert number.state == "stopped" and number.stopped_by == "text"
    assert number.stop_confirmed_at is not None
    # The text reminders are off; the email ones stay.
    assert _pending(upcoming, client_user, "text") == set()
    assert _pending(upcoming, client_user, "email")
    event = AuditEvent.objects.get(action="texts.stop")
    assert event.actor_id == client_user.pk and event.client_id == client_user.pk


@pytest.mark.django_db
def test_it_confirms_a_stop_once(client, client_user, upcoming, texts_on):
    assert inbound(client, texts_on, "STOP") == [STOPPED]
    assert inbound(client, texts_on, "STOP") == []
    assert inbound(client, texts_on, "quit") == []
    assert AuditEvent.objects.filter(action="texts.stop").count() == 1


@pytest.mark.django_db
def test_a_stop_text_after_texts_were_turned_off_in_the_app_is_confirmed_and_binds(
    client, client_user, upcoming, texts_on
):
    """The provider blocks a number that texted STOP: from then on only
    START turns texts on, not the app's button."""
    stopped_in_app = timezone.now() - timedelta(days=1)
    TextNumber.objects.filter(user=client_user).update(stopped_at=stopped_in_app, stopped_by="app")
    assert inbound(client, texts_on, "STOP") == [STOPPED]
    number = TextNumber.objects.get(user=client_user)
    assert (number.stopped_by, number.stopped_at) == ("text", stopped_in_app)
    assert inbound(client, texts_on, "STOP") == []


@pytest.mark.django_db
def test_a_word_within_a_sentence_is_not_a_keyword(client, client_user, upcoming, texts_on):
    assert inbound(client, texts_on, "please stop texting me") == [NOT_READ]
    assert TextNumber.objects.get(user=client_user).state == "on"


@pytest.mark.django_db
def test_start_turns_texts_on_again_and_plans_text_reminders(
    client,
    client_user,
    upcoming,
    texts_on,
):
    inbound(client, texts_on, "STOP")
    assert inbound(client, texts_on, "start") == [
        "Appointments: you will get texts again. Reply STOP to stop."
    ]
    assert TextNumber.objects.get(user=client_user).state == "on"
    assert _pending(upcoming, client_user, "text")
    assert AuditEvent.objects.filter(action="texts.start", actor=client_user).count() == 1
    # STOP after START is a new stop, confirmed again.
    assert inbound(client, texts_on, "STOP") == [STOPPED]


@pytest.mark.django_db
def test_start_does_not_turn_on_a_number_found_dead(client, client_user, texts_on):
    confirmed_number(client_user, stopped_at=timezone.now(), failed_at=timezone.now())
    assert inbound(client, texts_on, "START") == [
        "Appointments: to get texts again, add your number again in the app."
    ]
    assert TextNumber.objects.get(user=client_user).state == "failed"
    assert not AuditEvent.objects.filter(action="texts.start").exists()


@pytest.mark.django_db
def test_help_answers_with_the_name_and_phone_and_changes_nothing(
    client,
    client_user,
    upcoming,
    texts_on,
):
    assert inbound(client, texts_on, "help") == [HELP]
    assert inbound(client, texts_on, "INFO") == [HELP]
    assert TextNumber.objects.get(user=client_user).state == "on"


@pytest.mark.django_db
def test_any_other_text_is_told_nobody_reads_it_and_is_not_kept(
    client,
    client_user,
    upcoming,
    texts_on,
    caplog,
):
    words = "I am not ok tonight, can someone call me"
    assert inbound(client, texts_on, words) == [NOT_READ]
    # Nowhere: not in the database's audit, not in the log.
    assert words not in caplog.text and NUMBER not in caplog.text
    assert not AuditEvent.objects.filter(action__startswith="texts.").exists()


@pytest.mark.django_db
def test_a_shared_phone_stops_texts_for_everyone_who_gave_it(
    client,
    coach,
    client_user,
    other_client,
    texts_on,
):
    confirmed_number(client_user)
    confirmed_number(other_client)
    confirmed_number(coach, number=OTHER_NUMBER)
    assert inbound(client, texts_on, "STOP") == [STOPPED]
    states = dict(TextNumber.objects.values_list("user_id", "stopped_by"))
    assert states == {client_user.pk: "text", other_client.pk: "text", coach.pk: ""}
    assert inbound(client, texts_on, "START") == [
        "Appointments: you will get texts again. Reply STOP to stop."
    ]
    assert TextNumber.objects.filter(stopped_at__isnull=True).count() == 3


@pytest.mark.django_db
def test_an_unknown_number_gets_only_help(client, client_user, texts_on):
    confirmed_number(client_user)
    stranger = "+15559990000"
    assert inbound(client, texts_on, "HELP", from_=stranger) == [HELP]
    for word in ("STOP", "START", "hello?"):
        assert inbound(client, texts_on, word, from_=stranger) == []
    assert TextNumber.objects.get().state == "on"


@pytest.mark.django_db
def test_replies_speak_the_owners_language(client, client_user, texts_on):
    client_user.language = "es"
    client_user.save()
    confirmed_number(client_user)
    assert inbound(client, texts_on, "AYUDA?") == [
        "Appointments: los mensajes de texto a este teléfono no se leen. "
        "Para hablar con tu coach usa la app o llama al +1 555 010 0199."
    ]
    assert inbound(client, texts_on, "HELP") == [
        "Appointments: recordatorios de citas. Ayuda: +1 555 010 0199. "
        "Responde STOP para no recibirlos."
    ]
    assert inbound(client, texts_on, "STOP") == [
        "Appointments: ya no te enviaremos mensajes de texto. "
        "Responde START para recibirlos de nuevo."
    ]
    assert inbound(client, texts_on, "START") == [
        "Appointments: te volveremos a enviar mensajes de texto. Responde STOP para no recibirlos."
    ]


@pytest.mark.django_db
def test_a_number_found_under_an_older_secret_key_still_stops(
    client,
    client_user,
    texts_on,
    settings,
):
    confirmed_number(client_user)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789"
    assert inbound(client, texts_on, "STOP") == [STOPPED]
    assert TextNumber.objects.get().state == "stopped"
