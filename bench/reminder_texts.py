"""`make bench-reminders`' texts: 10,000 due text reminders delivered by the
real outbox (the sweep, then two `celery worker` processes sending through
common.sms and the `twilio` library) into the local Twilio-speaking server
(scripts/sms_sink.py, status callbacks off), beside the library's own loop
(`Client.messages.create`, one process, the same body) into the same server.

Both loops are processes of their own, so neither shares the server's
interpreter; the server keeps every message, and counting them is how the
run knows each reminder went exactly once. Imported after django.setup().
"""

import os
import secrets
import subprocess
import sys
import time
import uuid

from django.test import override_settings
from django.utils import timezone

from bench.reminder_data import (
    ROOT,
    people,
    reminders,
    sessions,
    start_workers,
    stop_workers,
    wait,
    wait_counting,
)
from scripts.sms_sink import SmsSink
from sessions_log.models import Reminder, Session, TextMessage, TextNumber
from sessions_log.models.texts import number_digest
from sessions_log.services.outbox import reminders_sweep
from sessions_log.services.text_bodies import reminder_text

RATIO_TARGET = 0.50
FROM_NUMBER = "+15005550006"

# The baseline: what a script that knows only the library would do, with the
# client common.sms builds (one pooled HTTP session, the same timeout).
LIBRARY_LOOP = """
import sys, time
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
url, sid, token, sender, to, body, count = sys.argv[1:8]
client = Client(sid, token, http_client=TwilioHttpClient(pool_connections=True, timeout=10))
client.api.base_url = url
start = time.perf_counter()
for _ in range(int(count)):
    client.messages.create(to=to, from_=sender, body=body)
print(time.perf_counter() - start)
"""


def _numbers(clients: list[int]) -> None:
    """Each client has confirmed a number: their texts are on."""
    now = timezone.now()
    TextNumber.objects.filter(user_id__in=clients).delete()
    numbers = []
    for n, pk in enumerate(clients):
        number = f"+1555{n:07d}"
        numbers.append(
            TextNumber(
                user_id=pk,
                number=number,
                number_digest=number_digest(number),
                verified_at=now,
                consent_text="bench",
                consent_language="en",
            )
        )
    TextNumber.objects.bulk_create(numbers)


def _library_loop(sink: SmsSink, body: str, count: int) -> float:
    """Seconds the library's own loop takes for `count` texts."""
    done = subprocess.run(  # noqa: S603 - our interpreter, a fixed script
        [sys.executable, "-c", LIBRARY_LOOP, sink.url, sink.account_sid, sink.auth_token]
        + [FROM_NUMBER, "+15550000000", body, str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def bench_text_delivery(due: int, env: dict | None = None) -> dict:
    """Deliver `due` text reminders both ways and print the figures; returns
    them (`passed` says whether they meet the target). `env`: the workers'
    environment (default ours)."""
    coaches, clients = people(clients=500)
    if not Session.objects.exists():
        sessions(due // 2, coaches, clients)
    _numbers(clients)
    Reminder.objects.filter(channel="text").delete()
    reminders([Reminder.Kind.FIRST_REMINDER, Reminder.Kind.SECOND_REMINDER], True, "text")
    assert Reminder.objects.filter(channel="text").count() == due

    # Callbacks off: the run measures sending, not the app's webhook.
    sink = SmsSink(
        account_sid="AC" + secrets.token_hex(16), auth_token=secrets.token_hex(16), callbacks=False
    ).start()
    twilio = {
        "TWILIO_ACCOUNT_SID": sink.account_sid,
        "TWILIO_AUTH_TOKEN": sink.auth_token,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_API_URL": sink.url,
    }
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    # The sweep here runs with the workers' settings, as beat's would.
    overridden = override_settings(**twilio, REMINDER_QUEUE=queue)
    overridden.enable()
    workers = start_workers(queue, {**(os.environ if env is None else env), **twilio})
    texts = Reminder.objects.filter(channel="text")
    try:
        sample = texts.select_related("session__coach", "session__client", "recipient").first()
        body = reminder_text(sample)
        print(f"\nText reminders: the library's own loop, {due:,} texts...")
        library_seconds = _library_loop(sink, body, due)
        sink.clear()

        print(f"  the outbox: {due:,} due text reminders, 2 worker processes...")
        start = time.perf_counter()
        queued = reminders_sweep()
        swept = time.perf_counter() - start
        if not wait_counting(lambda: len(sink.messages), due, "texts at the server"):
            print(f"only {len(sink.messages)} of {due} texts arrived; see .run/bench-worker-*.log")
            return {"arrived": len(sink.messages)}
        elapsed = time.perf_counter() - start
        wait(lambda: not texts.exclude(status="sent").exists(), timeout=60)
        unsent = texts.exclude(status="sent").count()
        recorded = TextMessage.objects.filter(reminder__channel="text").count()
    finally:
        stop_workers(workers)
        sink.stop()
        overridden.disable()

    ours, library = due / elapsed, due / library_seconds
    extra = len(sink.messages) - due
    print(f"Text reminder delivery: {due:,} due, 2 worker processes, local Twilio-speaking server")
    print(f"  sweep leased {queued:,} rows and queued their send tasks in {swept:.2f} s")
    print(f"  outbox + Celery + twilio: {elapsed:.1f} s, {ours:,.0f} texts/s ({unsent} not sent)")
    print(f"  the library's loop (1 process, same server, {len(body)}-character body): ", end="")
    print(f"{library:,.0f} texts/s")
    print(f"  ratio outbox/library: {ours / library:.2f} (target {RATIO_TARGET:.2f})")
    print(f"  extra texts at the server: {extra}; TextMessage rows: {recorded:,}")
    return {
        "due": due,
        "arrived": len(sink.messages),
        "ours": ours,
        "library": library,
        "unsent": unsent,
        "recorded": recorded,
    }


def passed(result: dict) -> bool:
    """At RATIO_TARGET of the library's rate, each reminder sent and recorded once."""
    return (
        "ours" in result
        and result["ours"] / result["library"] >= RATIO_TARGET
        and result["unsent"] == 0
        and result["arrived"] == result["recorded"] == result["due"]
    )
