"""`make bench-reminders`' data and processes: coaches, clients, sessions
and due reminder rows written in bulk, and the `celery worker` processes
that deliver them. Imported after django.setup() (bench/reminders.py)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from accounts.models import Role, User

ROOT = Path(__file__).resolve().parents[1]
COACHES = 50


def people(clients: int) -> tuple[list[int], list[int]]:
    """The run's coaches and `clients` clients (made once, then reused)."""
    have = list(User.objects.filter(role=Role.CLIENT).values_list("pk", flat=True))
    if have:
        coaches = User.objects.filter(role=Role.COACH).values_list("pk", flat=True)
        return list(coaches), have

    def user(email, role):
        person = User(email=email, display_name=email.split("@")[0].title(), role=role)
        person.set_unusable_password()
        return person

    coaches = User.objects.bulk_create(
        user(f"coach{n}@bench.example", Role.COACH) for n in range(COACHES)
    )
    made = User.objects.bulk_create(
        user(f"client{n}@bench.example", Role.CLIENT) for n in range(clients)
    )
    return [c.pk for c in coaches], [p.pk for p in made]


def sessions(count: int, coaches: list[int], clients: list[int], after_days: int = 2) -> None:
    """`count` scheduled sessions from `after_days` ahead, an hour apart per coach."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO sessions_log_session
                (uid, sequence, coach_id, client_id, starts_at, ends_at, modality, location,
                 video_url, agenda, status, cancel_reason, created_by_id, created_at, updated_at)
            SELECT gen_random_uuid(), 0, (%(coaches)s)[1 + i %% %(n_coaches)s],
                   (%(clients)s)[1 + i %% %(n_clients)s],
                   now() + %(after)s * interval '1 day' + (i / %(n_coaches)s) * interval '1 hour',
                   now() + %(after)s * interval '1 day' + (i / %(n_coaches)s) * interval '1 hour'
                       + interval '50 minutes',
                   'phone', '', '', '', 'scheduled', '',
                   (%(coaches)s)[1 + i %% %(n_coaches)s], now(), now()
            FROM generate_series(0, %(last)s) AS i
            """,
            {
                "coaches": coaches,
                "clients": clients,
                "n_coaches": len(coaches),
                "n_clients": len(clients),
                "last": count - 1,
                "after": after_days,
            },
        )


def reminders(kinds: list[str], due_now: bool, channel: str = "email") -> None:
    """One row per session and kind, for the client, by `channel`: due now,
    or at some time in the day before the session."""
    when = "now() - interval '1 second'" if due_now else "s.starts_at - random() * interval '1 day'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO sessions_log_reminder
                (session_id, recipient_id, kind, channel, sequence, status, due_at, deadline,
                 next_attempt_at, attempts, last_error, updated_at)
            SELECT s.id, s.client_id, k.kind, %s, 0, 'pending', t.at, s.starts_at, t.at, 0, '',
                   now()
            FROM sessions_log_session s
            CROSS JOIN unnest(%s::text[]) AS k(kind)
            CROSS JOIN LATERAL (SELECT {when} AS at) t
            """,  # noqa: S608 - `when` is one of two constants above
            [channel, kinds],
        )


def start_workers(queue: str, env: dict, count: int = 2) -> list[subprocess.Popen]:
    """`count` solo-pool workers on `queue`, with `env` on top of ours."""
    workers = []
    for n in range(count):
        log = open(ROOT / ".run" / f"bench-worker-{n}.log", "w")  # noqa: SIM115
        workers.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [sys.executable, "-m", "celery", "-A", "coaching", "worker", "--pool=solo"]
                + ["-Q", queue, "-n", f"bench{n}@%h", "--without-heartbeat"]
                + ["--without-gossip", "--without-mingle", "--loglevel=WARNING"],
                cwd=ROOT,
                env={**env, "REMINDER_QUEUE": queue},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def wait_counting(count, total: int, what: str, stall: float = 120) -> bool:
    """Wait for `count()` to reach `total`, printing progress every 5 s;
    give up when it has not moved for `stall` seconds."""
    start = last = moved = time.monotonic()
    seen = 0
    while (done := count()) < total:
        now = time.monotonic()
        if done != seen:
            seen, moved = done, now
        elif now - moved > stall:
            return False
        if now - last >= 5:
            last = now
            print(f"    ... {done:,} of {total:,} {what} ({done / (now - start):,.0f}/s)")
        time.sleep(0.05)
    return True
