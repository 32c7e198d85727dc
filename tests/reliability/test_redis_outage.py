"""With Redis stopped, people can still sign in (rate limits still apply),
open pages and send forms; only background work waits for Redis."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.urls import reverse

from accounts.models import Invitation
from tests.conftest import PASSWORD
from tests.helpers import sign_in


def _login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.django_db
def test_people_can_sign_in_and_work_while_redis_is_down(
    client, own_redis, client_user, coach, settings
):
    probe, stop_redis = own_redis
    caches["default"].set("before-outage", 1)
    assert probe.dbsize() >= 1  # the cache really is this Redis

    stop_redis()

    _login(client, client_user.email)
    assert client.session[SESSION_KEY] == str(client_user.pk)
    assert client.get(reverse("coaching:client_home")).status_code == 200

    settings.HEALTHZ_TOKEN = "healthz-token-for-tests"
    health = client.get("/healthz", headers={"X-Healthz-Token": settings.HEALTHZ_TOKEN})
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
