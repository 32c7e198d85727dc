"""Text messages on a 320 px phone, in Spanish (issue 32).

A Spanish-speaking client opts in on their phone: types their number, gets
the code by text (a real Celery worker sends it through the real `twilio`
library to a local server speaking Twilio's API), types it back. A reminder
text and a check-in link by text follow, in Spanish; the link opens the
check-in in the browser. They text STOP: one confirmation, and nothing more
is texted, while the email still comes. Every page fits 320 px, its targets
are 44 px and axe finds nothing serious."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sessions_log.models import Reminder, ReminderPreference, TextNumber
from sessions_log.services.sessions import session_schedule
from tests.conftest import PASSWORD, wait_until
from tests.e2e.test_spanish_phone import SPANISH_PHONE, check_spanish_page, english_sentences
from tests.helpers import _completed
from tests.reliability.test_reminder_delivery import _make_due, _sweep_until

NUMBER = "+15550108877"
Kind, Status, Channel = Reminder.Kind, Reminder.Status, Reminder.Channel


def _texts_to(sink, number=NUMBER) -> list[str]:
    return [message["body"] for message in sink.messages if message["to"] == number]


def _reminder_emails(mailbox) -> int:
    return sum(message["Subject"].startswith("Recordatorio de cita") for message in mailbox)


def _schedule(coach, client, days):
    starts = (timezone.now() + timedelta(days=days)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    return session_schedule(
        actor=coach,
        client=client,
        starts_at=starts,
        duration=timedelta(hours=1),
        modality="phone",
    )


def test_a_client_opts_in_by_code_gets_texts_in_spanish_and_stop_ends_them(
    open_page, live_server, celery_processes, texts_on, mailbox, settings, coach, client_user
):
    # Links and the provider's callbacks reach this run's server.
    settings.SITE_URL = settings.TEXTS_LINK_BASE = live_server.url
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    ReminderPreference.objects.create(user=client_user, quiet_start=None, quiet_end=None)
    celery_processes.start("worker", SITE_URL=live_server.url, TEXTS_LINK_BASE=live_server.url)
    sentences = english_sentences()

    phone = open_page(**SPANISH_PHONE)
    phone.goto("/accounts/login/")
    phone.locator("input[name=login]").fill(client_user.email)
    phone.locator("input[name=password]").fill(PASSWORD)
    phone.locator("main form button[type=submit]").first.click()
    expect(phone).to_have_url(re.compile(reverse("coaching:client_home") + "$"))

    # Opting in: the number, the consent, the code texted to it.
    phone.goto(reverse("sessions_log:text_settings"))
    check_spanish_page(phone, sentences, "texts-opt-in")
    phone.locator("input[name=number]").fill("+1 555 010 8877")
    phone.locator("input[name=consent]").check()
    phone.get_by_role("button", name="Enviar código").click()
    assert wait_until(lambda: _texts_to(texts_on), timeout=30), celery_processes.logs()
    (code_text,) = _texts_to(texts_on)
    code = re.search(r"\b(\d{6})\b", code_text).group(1)
    check_spanish_page(phone, sentences, "texts-code")
    phone.locator("input[name=code]").fill(code)
    phone.get_by_role("button", name="Confirmar").click()
    expect(phone.locator("#texts-state")).to_contain_text("8877")
    check_spanish_page(phone, sentences, "texts-on")
    number = TextNumber.objects.get(user=client_user)
    assert number.active and number.consent_language == "es"
    assert "STOP" in number.consent_text and "mensajes" in number.consent_text  # as shown

    # A reminder by text, in Spanish, with the coach's first name.
    upcoming = _schedule(coach, client_user, days=3)
    _make_due(session=upcoming, kind=Kind.FIRST_REMINDER)
    assert _sweep_until(lambda: len(_texts_to(texts_on)) == 2), celery_processes.logs()
    reminder = _texts_to(texts_on)[1]
    assert "cita con Casey" in reminder and "Rivera" not in reminder
    assert len(reminder) <= 160

    # The check-in link by text opens the check-in, in Spanish.
    completed = _completed(coach, client_user)
    _make_due(session=completed, kind=Kind.CHECKIN_REQUEST)
    assert _sweep_until(lambda: len(_texts_to(texts_on)) == 3), celery_processes.logs()
    asking = _texts_to(texts_on)[2]
    link = re.search(r"https?://\S+/t/\w+", asking).group(0)
    assert link.startswith(live_server.url) and len(asking) <= 160
    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/checkins/link/"))
    check_spanish_page(phone, sentences, "texts-checkin")
    for name in ("heard", "safe", "focus", "trust", "helping"):
        phone.locator(f"input[name={name}][value='8']").check()
    phone.locator("main form button[type=submit]").last.click()
    expect(phone.locator("h1")).to_be_visible()

    # STOP by text: one confirmation, in Spanish, and texts are off.
    inbound = live_server.url + reverse("sessions_log:text_inbound")
    status, replies = texts_on.inbound(inbound, from_=NUMBER, body="STOP")
    assert status == 200 and len(replies) == 1 and "START" in replies[0]
    assert texts_on.inbound(inbound, from_=NUMBER, body="stop") == (200, [])  # confirmed once
    phone.goto(reverse("sessions_log:text_settings"))
    expect(phone.locator("#texts-state")).to_contain_text("STOP")
    check_spanish_page(phone, sentences, "texts-stopped")

    # Nothing more by text; the email still comes.
    texted = len(_texts_to(texts_on))
    reminded = _reminder_emails(mailbox)
    later = _schedule(coach, client_user, days=5)
    assert not Reminder.objects.filter(session=later, channel=Channel.TEXT).exists()
    _make_due(session=later, kind=Kind.FIRST_REMINDER)
    assert _sweep_until(
        lambda: (
            not Reminder.objects.filter(
                session=later, kind=Kind.FIRST_REMINDER, status__in=["pending", "sending"]
            ).exists()
        )
    ), celery_processes.logs()
    assert wait_until(lambda: _reminder_emails(mailbox) == reminded + 1, timeout=30)
    assert len(_texts_to(texts_on)) == texted
