"""The "a form is waiting" email in the client's language (User.language),
sent by a real worker as in production; an English-speaking client's stays
English."""

import pytest

from coaching.services.consent_prompts import consent_waiting_notify
from tests.coaching.test_consents import payer, prepared
from tests.conftest import wait_until
from tests.helpers import text_body


@pytest.mark.django_db(transaction=True)
def test_a_spanish_speaking_client_is_told_in_spanish_by_a_real_worker(
    coach, client_user, mailbox, celery_worker_process
):
    client_user.language = "es"
    client_user.save()
    prepared(coach, client_user, payer())
    assert wait_until(lambda: len(mailbox) == 1, timeout=60)
    (message,) = mailbox
    assert message["Subject"].startswith("Tienes un formulario esperando en ")
    assert message["Content-Language"] == "es"
    body = text_body(message)
    assert "Inicia sesión para leerlo" in body
    assert "A form is waiting" not in body and "Sign in" not in body


@pytest.mark.django_db
def test_an_english_speaking_client_is_told_in_english(coach, client_user, mailbox):
    consent = prepared(coach, client_user, payer())
    mailbox.clear()
    assert consent_waiting_notify(consent_id=consent.pk) is True
    (message,) = mailbox
    assert message["Subject"].startswith("A form is waiting for you in ")
    assert "Tienes" not in text_body(message)
