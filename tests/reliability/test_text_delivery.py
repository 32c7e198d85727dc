"""Reminder texts delivered by real `celery worker` processes through the real
`twilio` library into a local server speaking Twilio's REST API, with the
worker killed and the provider down along the way (issue 32). The outbox's
promise is the email's: at least once, and a duplicate only of a text the
provider took in the seconds before a crash (sessions_log/services/outbox.py)."""

import os
import signal
from collections import Counter
from datetime import timedelta

import pytest

from sessions_log.models import Reminder, ReminderPreference
from sessions_log.services.outbox import reminders_sweep
from tests.conftest import wait_until
from tests.reliability.test_reminder_delivery import (
    FAST,
    _all_sent,
    _make_due,
    _schedule,
    _sweep_until,
)
from tests.sessions_log.text_hooks import NUMBER, confirmed_number

Kind, Status, Channel = Reminder.Kind, Reminder.Status, Reminder.Channel


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.REMINDER_LEASE = timedelta(seconds=FAST["REMINDER_LEASE_SECONDS"])


@pytest.fixture
def texting_client(texts_on, client_user):
    # Texts only, at any hour: each reminder is one text.
    ReminderPreference.objects.create(
        user=client_user, quiet_start=None, quiet_end=None, by_email=False
    )
    confirmed_number(client_user)
    return client_user


def test_killing_the_worker_mid_batch_sends_again_only_the_texts_the_provider_had_taken(
    celery_processes, texts_on, texting_client, coach
):
    for hour in (9, 11, 13, 15):
        _schedule(coach, texting_client, hour=hour)
    _make_due(kind=Kind.FIRST_REMINDER)
    # The first two are answered at once; the third is taken but answered
    # only after the worker is dead (as a reply lost on the way).
    texts_on.delay_next(0, count=2)
    texts_on.delay_next(30)
    first = celery_processes.start("worker", **FAST)
    assert reminders_sweep() == 4  # one batch
    assert wait_until(lambda: len(texts_on.messages) == 3, timeout=30), celery_processes.logs()
    taken_before = [message["body"] for message in texts_on.messages]
    firsts = Reminder.objects.filter(kind=Kind.FIRST_REMINDER, channel=Channel.TEXT)
    assert set(firsts.values_list("status", flat=True)) == {Status.SENDING}

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    celery_processes.start("worker", **FAST)
    assert _sweep_until(_all_sent(kind=Kind.FIRST_REMINDER)), celery_processes.logs()

    sent = Counter(message["body"] for message in texts_on.messages)
    assert len(sent) == 4 and {message["to"] for message in texts_on.messages} == {NUMBER}
    # The documented window: what the provider took before the crash goes
    # again, once; what it had not taken goes once; nothing is lost.
    assert {body for body, times in sent.items() if times == 2} == set(taken_before)
    assert set(sent.values()) == {1, 2}
    assert set(firsts.values_list("status", "attempts")) == {(Status.SENT, 2)}


def test_a_provider_outage_during_the_due_window_delivers_each_text_once_when_it_ends(
    celery_processes, texts_on, texting_client, coach
):
    for hour in (9, 11):
        _schedule(coach, texting_client, hour=hour)
    _make_due(kind=Kind.FIRST_REMINDER)
    texts_on.fail_next(503, count=3)
    celery_processes.start(
        "worker",
        **FAST,
    )
    assert _sweep_until(_all_sent(kind=Kind.FIRST_REMINDER)), celery_processes.logs()
    rows = Reminder.objects.filter(kind=Kind.FIRST_REMINDER, channel=Channel.TEXT)
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert max(rows.values_list("attempts", flat=True)) >= 2  # tried in the outage, then after
    assert len(texts_on.messages) == 2
    assert len({message["body"] for message in texts_on.messages}) == 2
