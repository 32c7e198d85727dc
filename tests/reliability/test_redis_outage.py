"""With Redis stopped, people can still sign in (rate limits still apply),
open pages and send forms; only background work waits for Redis."""

import shutil
import subprocess

import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.urls import reverse

from accounts.models import Invitation
from tests.conftest import PASSWORD, _free_port, wait_until
from tests.helpers import sign_in


@pytest.fixture
def own_redis(settings):
    """A redis-server of this test's own, which the test may stop."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (make test installs it)"
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    probe = redis.Redis.from_url(url, socket_connect_timeout=0.2)

    def answers():
        try:
            return probe.ping()
        except redis.exceptions.ConnectionError:
            return False

    assert wait_until(answers, timeout=10)
    settings.REDIS_URL = url
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }

    def stop():
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)

    yield probe, stop
    stop()


def _login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.django_db
def test_people_can_sign_in_and_work_while_redis_is_down(client, own_redis, client_user, coach):
    probe, stop_redis = own_redis
    caches["default"].set("before-outage", 1)
    assert probe.dbsize() >= 1  # the cache really is this Redis

    stop_redis()

    _login(client, client_user.email)
    assert client.session[SESSION_KEY] == str(client_user.pk)
    assert client.get(reverse("sessions_log:my_sessions")).status_code == 200

    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["redis"] == "unavailable"

    sign_in(client, coach)
    response = client.post(reverse("accounts:invitation_create"), {"email": "kim@example.org"})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="kim@example.org").exists()


@pytest.mark.django_db
def test_login_rate_limits_still_apply_while_redis_is_down(client, own_redis, client_user):
    _probe, stop_redis = own_redis
    stop_redis()
    for _ in range(5):
        _login(client, client_user.email, "not-the-password-at-all")
    response = _login(client, client_user.email)
    assert SESSION_KEY not in client.session
    assert "Too many failed login attempts" in response.content.decode()
