"""The test cast and the real services the tests talk to.

Mail goes over real SMTP to an aiosmtpd server on loopback; the database is
the real PostgreSQL (pytest-django's test database); Redis is the project's.
"""

import email
import email.policy
import importlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress

from accounts.models import CaseloadAssignment, Role, Team, User
from tests.helpers import enable_totp, subprocess_database_url
from tests.sms import sms_sink, texts_on, worker_env  # noqa: F401 - the texts' fixtures

PASSWORD = "a-long-test-password-42"


class _Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    handler = _Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(autouse=True)
def mailbox(settings, smtp_server):
    """Every test sends mail over real SMTP; this is what arrived."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": smtp_server.hostname, "port": smtp_server.port, "timeout": 5},
        }
    }
    settings.SITE_URL = "http://testserver"
    smtp_server.handler.messages.clear()
    return smtp_server.handler.messages


def _db_fixture_of(request) -> str | None:
    """Which database fixture this test uses, if any."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        return "transactional_db"
    if marker or "db" in request.fixturenames:
        return "db"
    return None


# The lists data migrations seed, which a transactional test's flush empties:
# (migration module, its seeding function).
SEEDED_LISTS = [
    ("coaching.migrations.0007_life_areas_and_plan_locks", "seed_areas"),
    ("coaching.migrations.0010_referral_sources", "seed_sources"),
    ("sessions_log.migrations.0012_billing", "seed_lists"),
]


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    # Rate-limit counters must not leak from one test into the next.
    from django.core.cache import caches

    caches["default"].reset_failover()
    caches["default"].clear()
    db_fixture = _db_fixture_of(request)
    if db_fixture:
        request.getfixturevalue(db_fixture)
        caches["database"].clear()
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush (the last of its teardown), seed
    the lists again, as migrating did, for the tests after it."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # A live server's test is transactional too (pytest-django asks for it).
    flushed = {"transactional_db", "live_server"} & set(item.fixturenames)
    # After the last test the test database is gone: nothing to seed.
    if nextitem is not None and (flushed or (marker and marker.kwargs.get("transaction"))):
        from django.apps import apps
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for module, function in SEEDED_LISTS:
                getattr(importlib.import_module(module), function)(apps, None)
    return result


def make_user(email, role, *, name=None, team=None, verified=True, totp=True) -> User:
    user = User.objects.create_user(
        email, PASSWORD, display_name=name or email.split("@")[0].title(), role=role, team=team
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=verified, primary=True)
    if totp and role != Role.CLIENT:
        enable_totp(user)
    return user


@pytest.fixture
def team(db):
    return Team.objects.create(name="North")


@pytest.fixture
def other_team(db):
    return Team.objects.create(name="South")


@pytest.fixture
def supervisor(team):
    return make_user("sam@example.org", Role.SUPERVISOR, name="Sam Supervisor", team=team)


@pytest.fixture
def coach(team):
    return make_user("casey@example.org", Role.COACH, name="Casey Rivera", team=team)


@pytest.fixture
def client_user(coach):
    """The coach's client (named so as not to shadow Django's test `client`)."""
    person = make_user("robin@example.org", Role.CLIENT, name="Robin Park")
    CaseloadAssignment.objects.create(coach=coach, client=person)
    return person


@pytest.fixture
def other_coach(other_team):
    return make_user("jordan@example.org", Role.COACH, name="Jordan Lee", team=other_team)


@pytest.fixture
def other_client(other_coach):
    person = make_user("riley@example.org", Role.CLIENT, name="Riley Chen")
    CaseloadAssignment.objects.create(coach=other_coach, client=person)
    return person


@pytest.fixture
def admin_user(db):
    return make_user("alex@example.org", Role.ADMIN, name="Alex Admin")


class CeleryProcesses:
    """Starts real `celery worker` and `celery beat` processes on the test
    database and this test's SMTP server, consuming a queue of the test's own
    (so no other worker on this machine takes the test's tasks)."""

    def __init__(self, log_dir: Path, env: dict):
        self.queue = env["REMINDER_QUEUE"]
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, program: str = "worker", **env) -> subprocess.Popen:
        if program == "worker":
            args = ["worker", "--pool=solo", "-Q", self.queue, "--without-heartbeat"]
            args += ["--without-gossip", "--without-mingle"]
        else:
            args = ["beat", "-s", str(self.log_dir / f"beat-{len(self.processes)}")]
        log = open(self.log_dir / f"{program}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "coaching", *args, "--loglevel=INFO"],
            cwd=Path(__file__).resolve().parents[1],
            env={**self.env, **{name: str(value) for name, value in env.items()}},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.log_dir.glob("*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def celery_processes(transactional_db, smtp_server, settings, tmp_path, request):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.REMINDER_QUEUE = queue
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "EMAIL_HOST": smtp_server.hostname,
        "EMAIL_PORT": str(smtp_server.port),
        "REMINDER_QUEUE": queue,
        **worker_env(request),
    }
    processes = CeleryProcesses(tmp_path, env)
    try:
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture
def celery_worker_process(celery_processes):
    """One real worker. Yields the queue name it consumes."""
    celery_processes.start("worker")
    return celery_processes.queue


def wait_until(condition, timeout=30.0, interval=0.1):
    """Poll `condition` until it is true; the tests never sleep a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@pytest.fixture
def steady_session(monkeypatch):
    """No once-a-minute "still here" write of the signed-in session while a
    test counts a page's statements: the minute can turn between two counted
    requests on a slow machine, and that write is not the page's cost (it is
    counted where it is the subject, tests/accounts/test_request_cost.py)."""
    monkeypatch.setattr("accounts.middleware.ACTIVITY_EVERY", 24 * 3600)
