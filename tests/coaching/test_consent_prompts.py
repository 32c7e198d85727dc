"""Issue 28, point 9 and 8 (coaching/services/consent_prompts.py): a
consent prepared for the client emails them in neutral words; coaches are
asked monthly about consents that end on an event."""

import pytest
from django.conf import settings

from coaching.models import ExportKind
from coaching.services.consent_prompts import consent_events_prompt, consent_waiting_notify
from coaching.services.consents import consent_end, consent_sign
from coaching.services.disclosures import export_split
from tests.coaching.test_consents import CLAIM, payer, prepared, signed
from tests.conftest import wait_until
from tests.helpers import text_body

NOTE = "Letter kept in the paper file, drawer 3"


def _split(coach, clients, acme):
    return export_split(
        actor=coach,
        client_ids=[client.pk for client in clients],
        recipient=acme,
        information=CLAIM,
        export=ExportKind.CLAIM_FILE,
        description="Claim file",
    )


# ------------------------------------------------ a form waiting: the email

WORDS_NEVER_SENT = ("consent", "recovery", "substance", "Acme", "Medicaid", "peer", "Part 2")


@pytest.mark.django_db
def test_a_consent_waiting_emails_the_client_a_neutral_line_and_a_link(coach, client_user, mailbox):
    consent = prepared(coach, client_user, payer())
    assert consent_waiting_notify(consent_id=consent.pk) is True
    (message,) = mailbox
    assert message["To"] == client_user.email
    assert message["Subject"] == "A form is waiting for you in Appointments"
    body = text_body(message)
    assert "A form is waiting for you in Appointments. Sign in to read it:" in body
    assert "http://testserver/" in body
    whole = message.as_string()
    for word in (*WORDS_NEVER_SENT, client_user.display_name, coach.display_name):
        assert word.lower() not in whole.lower(), word


@pytest.mark.django_db
def test_a_consent_signed_before_the_email_leaves_sends_nothing(coach, client_user, mailbox):
    consent = prepared(coach, client_user, payer())
    consent_sign(
        actor=client_user, consent=consent, typed_name=client_user.display_name, confirmed=True
    )
    assert consent_waiting_notify(consent_id=consent.pk) is False
    assert mailbox == []


@pytest.mark.django_db(transaction=True)
def test_preparing_a_consent_emails_the_client_through_a_real_worker_after_commit(
    coach, client_user, mailbox, celery_worker_process
):
    prepared(coach, client_user, payer())
    assert wait_until(lambda: len(mailbox) == 1, timeout=60)
    assert mailbox[0]["To"] == client_user.email
    assert "Acme" not in mailbox[0].as_string()


# ------------------------------------------ event-based consents, monthly


@pytest.mark.django_db
def test_coaches_are_asked_monthly_about_event_based_consents_until_they_end(
    coach, client_user, other_coach, other_client, mailbox
):
    event = "the end of my Medicaid enrolment"
    consent = signed(coach, client_user, payer(), event=event)
    prepared(coach, client_user, payer("B"), event=event)  # not signed: nothing to check
    signed(other_coach, other_client, payer("C"))  # ends on a date
    assert consent_events_prompt() == 1
    (message,) = mailbox
    assert message["To"] == coach.email
    assert message["Subject"] == "Forms to check in Appointments"
    body = text_body(message)
    assert "1 form of your clients ends on an event" in body
    link = f"http://testserver/clients/{client_user.pk}/consents/"
    assert link in body
    # Outside the link (a page only its coach opens), nothing says what it is about.
    html = message.get_body(("html",)).get_content()
    prose = " ".join((message["Subject"], body, html)).replace(link, "")
    for word in (*WORDS_NEVER_SENT, "enrolment", client_user.display_name):
        assert word.lower() not in prose.lower(), word
    mailbox.clear()
    consent_end(actor=coach, consent=consent)
    assert consent_events_prompt() == 0
    assert mailbox == []


def test_beat_asks_about_event_based_consents_on_the_first_of_each_month():
    entry = settings.CELERY_BEAT_SCHEDULE["consent-events-prompt"]
    assert entry["task"] == "coaching.tasks.consent_events_prompt"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1} and schedule.month_of_year == set(range(1, 13))
