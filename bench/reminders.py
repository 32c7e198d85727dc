"""`make bench-reminders`: reminder delivery throughput and the sweep's query.

1. 10,000 due reminders, delivered by two `celery worker` processes (solo
   pool) to a local SMTP sink, beside a plain smtplib loop sending as many
   messages of the same size into the same sink: emails per second and the
   ratio.
2. 10,000 due text reminders, the same way, into the local Twilio-speaking
   server (bench/reminder_texts.py), beside the `twilio` library's own loop.
3. The sweep's query over 1,000,000 pending rows: its plan (it must use the
   partial index) and its time.

BENCH_PARTS (default "emails,texts,sweep") runs some of them only.

Runs against the database in DATABASE_URL, which scripts/bench.sh creates
for the run and drops afterwards. The broker is the same Redis server on a
database number of its own (BENCH_REDIS_DB, default 14): tests running
beside the benchmark clear Redis database 0 (the cache's `clear()` is a
FLUSHDB), which would drop the run's queued tasks.

Exits non-zero when the outbox delivers under RATIO_TARGET of the plain
loop's rate, or sends any reminder other than exactly once.
"""

import logging
import os
import smtplib
import statistics
import sys
import threading
import time
import uuid
from datetime import timedelta

import django

sys.stdout.reconfigure(line_buffering=True)  # figures show as they come, not at exit
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")
_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
os.environ["REDIS_URL"] = f"{_redis.rsplit('/', 1)[0]}/{os.environ.get('BENCH_REDIS_DB', '14')}"
django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from bench import reminder_texts  # noqa: E402
from bench.reminder_data import (  # noqa: E402
    free_port,
    people,
    reminders,
    sessions,
    start_workers,
    stop_workers,
    wait,
    wait_counting,
)
from common import emails  # noqa: E402
from sessions_log.models import Reminder, Session  # noqa: E402
from sessions_log.services.outbox import reminder_email, reminders_sweep, sweep_batch  # noqa: E402

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
DUE = 10_000
PENDING = 1_000_000
RATIO_TARGET = reminder_texts.RATIO_TARGET


class CountingSink:
    """An SMTP server that accepts and counts; it keeps nothing."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.count += 1
        return "250 OK"


def _plain_smtplib(port: int, message: bytes, count: int) -> float:
    """The baseline: a loop that connects, sends and quits for each message,
    as Django's SMTP backend does for each send()."""
    start = time.perf_counter()
    for _ in range(count):
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("no-reply@localhost", ["client@bench.example"], message)
    return time.perf_counter() - start


def bench_delivery() -> bool:
    """Whether the outbox met its target (and sent each reminder once)."""
    coaches, clients = people(clients=500)
    if not Session.objects.exists():
        sessions(DUE // 2, coaches, clients)
    reminders([Reminder.Kind.FIRST_REMINDER, Reminder.Kind.SECOND_REMINDER], due_now=True)
    assert Reminder.objects.filter(channel="email").count() == DUE

    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    settings.REMINDER_QUEUE = queue
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    workers = start_workers(queue, env)
    try:
        sample = Reminder.objects.select_related("session__coach", "session__client", "recipient")
        # The bytes the outbox sends for a reminder (common.emails.as_bytes).
        message = emails.as_bytes(emails.build(**reminder_email(sample.first())))
        plain_seconds = _plain_smtplib(port, message, DUE)
        sink.count = 0

        start = time.perf_counter()
        queued = reminders_sweep()
        swept = time.perf_counter() - start
        if not wait_counting(lambda: sink.count, DUE, "emails at the sink"):
            sys.exit(f"only {sink.count} of {DUE} emails arrived; see .run/bench-worker-*.log")
        elapsed = time.perf_counter() - start
        wait(lambda: not Reminder.objects.exclude(status="sent").exists(), timeout=60)
        unsent = Reminder.objects.exclude(status="sent").count()
    finally:
        stop_workers(workers)
        controller.stop()

    ours = DUE / elapsed
    plain = DUE / plain_seconds
    extra = sink.count - DUE
    print(f"Reminder delivery: {DUE:,} due reminders, 2 worker processes, local SMTP sink")
    print(f"  sweep leased {queued:,} rows and queued their send tasks in {swept:.2f} s")
    print(f"  outbox + Celery: {elapsed:.1f} s, {ours:,.0f} emails/s ({unsent} rows not sent)")
    print(f"  plain smtplib loop (1 process, same sink, same {len(message):,} bytes): ", end="")
    print(f"{plain:,.0f} emails/s")
    print(f"  ratio outbox/plain: {ours / plain:.2f} (target {RATIO_TARGET:.2f})")
    print(f"  extra emails at the sink: {extra}")
    return ours / plain >= RATIO_TARGET and unsent == 0 and extra == 0


def bench_sweep_query() -> bool:
    Reminder.objects.all().delete()
    coaches = list(User.objects.filter(role=Role.COACH).values_list("pk", flat=True))
    clients = list(User.objects.filter(role=Role.CLIENT).values_list("pk", flat=True))
    have = Session.objects.count()
    sessions(PENDING // 5 - have, coaches, clients, after_days=400)
    start = time.perf_counter()
    reminders(list(Reminder.Kind.values), due_now=False)
    # A few hundred rows come due, as on a normal minute.
    due = timezone.now() - timedelta(seconds=1)
    Reminder.objects.filter(pk__in=Reminder.objects.order_by("?").values("pk")[:300]).update(
        next_attempt_at=due
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sessions_log_reminder")
    print(f"\nSweep query: {Reminder.objects.count():,} pending rows", end="")
    print(f" (inserted in {time.perf_counter() - start:.1f} s)")

    timings = []
    plan = []
    for _ in range(7):
        with transaction.atomic(), connection.cursor() as cursor:
            sql, params = sweep_batch(timezone.now()).query.sql_with_params()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        timings.append(float(plan[-1].split(":")[1].split()[0]))
    print("  plan:")
    for line in plan:
        print(f"    {line}")
    uses_index = any("reminder_sweep_idx" in line for line in plan)
    median = statistics.median(timings)
    print(f"  uses reminder_sweep_idx: {'yes' if uses_index else 'NO'}")
    print(f"  execution time, median of 7: {median:.2f} ms (target under 20 ms)")
    return uses_index and median < 20


if __name__ == "__main__":
    parts = os.environ.get("BENCH_PARTS", "emails,texts,sweep").split(",")
    delivered = "emails" not in parts or bench_delivery()
    texted = "texts" not in parts or reminder_texts.passed(reminder_texts.bench_text_delivery(DUE))
    swept = "sweep" not in parts or bench_sweep_query()
    if not delivered:
        print(f"\nFAIL: outbox under {RATIO_TARGET:.2f} of the plain loop, or not once each")
    if not texted:
        print(f"\nFAIL: texts under {RATIO_TARGET:.2f} of the library's loop, or not once each")
    if not swept:
        print("\nFAIL: the sweep query misses its target")
    sys.exit(0 if delivered and texted and swept else 1)
