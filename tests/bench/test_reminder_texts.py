"""bench/reminder_texts.py (`make bench-reminders`' texts), small: due text
reminders go through the sweep and real workers into the local
Twilio-speaking server once each, and the library's loop is timed into the
same server. The full run (10,000) is `make bench-reminders`."""

import os

import pytest

from bench import reminder_texts
from sessions_log.models import Reminder, TextMessage
from tests.helpers import subprocess_database_url


@pytest.mark.django_db(transaction=True)
def test_each_due_text_reminder_reaches_the_server_once_and_both_rates_show(capsys):
    env = {**os.environ, "DATABASE_URL": subprocess_database_url()}

    result = reminder_texts.bench_text_delivery(40, env=env)

    assert result["arrived"] == result["recorded"] == 40
    assert result["unsent"] == 0
    assert result["ours"] > 0 and result["library"] > 0
    assert set(Reminder.objects.filter(channel="text").values_list("status", flat=True)) == {"sent"}
    assert TextMessage.objects.count() == 40
    printed = capsys.readouterr().out
    assert "ratio outbox/library:" in printed and "extra texts at the server: 0" in printed


def test_passed_holds_the_run_to_its_target_and_to_once_each():
    good = {"due": 10, "arrived": 10, "recorded": 10, "unsent": 0, "ours": 60, "library": 100}

    assert reminder_texts.passed(good)
    assert not reminder_texts.passed({**good, "ours": 49})
    assert not reminder_texts.passed({**good, "arrived": 11})
    assert not reminder_texts.passed({**good, "unsent": 1})
    assert not reminder_texts.passed({"arrived": 3})
