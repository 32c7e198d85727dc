"""Headers, cookies and session limits (OWASP ASVS level 2, HIPAA 164.312)."""

import os
import runpy
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, LoginSession
from accounts.models.login_sessions import session_key_digest
from tests.conftest import PASSWORD
from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    # The nonce appears only on pages that carry inline code; ours carry none.
    assert policy["script-src"] in ("'self'",) or policy["script-src"].startswith("'self' 'nonce-")
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_security_headers_are_set(client):
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_for_a_signed_in_person_are_not_stored(client, client_user):
    sign_in(client, client_user)
    response = client.get(reverse("coaching:client_home"))
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_session_cookie_is_host_only_secure_httponly_and_lax(client, client_user):
    response = client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    cookie = response.cookies["__Host-session"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and not cookie["domain"]


@pytest.mark.django_db
def test_the_session_id_changes_at_login(client, client_user):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    assert client.session.session_key != before


def test_the_deploy_check_passes_with_a_production_environment():
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 30 + "-production-like-secret-key-with-enough-entropy-4d8f1a",
        "ALLOWED_HOSTS": "coaching.example.org",
        "SITE_URL": "https://coaching.example.org",
        "SECURE_SSL_REDIRECT": "true",
    }
    for test_only in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(test_only, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "idle_minutes", "signed_out"),
    [
        ("coach", 14, False),
        ("coach", 16, True),
        ("client_user", 29, False),
        ("client_user", 31, True),
    ],
)
def test_idle_sessions_end(client, request, who, idle_minutes, signed_out):
    person = request.getfixturevalue(who)
    sign_in(client, person)
    page = reverse("home")
    client.get(page)
    with time_machine.travel(timezone.now() + timedelta(minutes=idle_minutes)):
        response = client.get(page)
    ended = response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ended is signed_out
    assert AuditEvent.objects.filter(action="auth.session_expired").exists() is signed_out


@pytest.mark.django_db
def test_a_session_ends_12_hours_after_login_however_active(client, client_user):
    sign_in(client, client_user)
    page = reverse("coaching:client_home")
    start = timezone.now()
    for minutes in range(0, 12 * 60, 25):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get(page).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        assert client.get(page).status_code == 302


@pytest.mark.django_db
def test_deactivating_someone_ends_their_sessions_on_the_server(client, client_user):
    client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    assert LoginSession.objects.filter(user=client_user).exists()
    key = client.session.session_key
    client_user.is_active = False
    client_user.save()
    assert not LoginSession.objects.filter(session_key=session_key_digest(key)).exists()
    assert not LoginSession.objects.filter(user=client_user).exists()


@pytest.mark.django_db
def test_people_see_and_can_end_their_other_sessions(client, client_user):
    client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    assert client.get("/accounts/sessions/").status_code == 200


@pytest.mark.django_db
def test_flash_messages_stay_on_the_server_not_in_a_cookie(client, client_user):
    sign_in(client, client_user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "messages" not in response.cookies
    # The message still reaches the next page, from the session.
    assert "signed out" in client.get(response["Location"]).content.decode().lower()


@pytest.mark.django_db
def test_the_check_in_link_page_is_never_stored(client, coach, client_user):
    from coaching.services.trust import checkin_link_issue
    from sessions_log.models import Session
    from sessions_log.services.sessions import session_close, session_schedule

    session = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=1),
        duration=timedelta(hours=1),
        modality="phone",
    )
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    session.refresh_from_db()
    session_close(
        actor=coach,
        session=session,
        status="completed",
        actual_start=session.starts_at,
        minutes_spent=60,
    )
    token = checkin_link_issue(session=session)
    for token_in_url in (token, "not-a-real-token"):  # the form, and the closed page
        response = client.get(reverse("coaching:checkin_by_link", args=[token_in_url]))
        assert response.status_code in (200, 410)
        assert response["Cache-Control"] == "no-store"
    assert client.post(reverse("coaching:checkin_by_link", args=[token]))["Cache-Control"] == (
        "no-store"
    )


def _settings_from(monkeypatch, **env) -> dict:
    """The settings module as it reads this environment (run afresh)."""
    for name in ("TRUSTED_PROXY_COUNT", "TRUSTED_CLIENT_IP_HEADER", "TRUSTED_PROXY_ADDRESSES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "coaching" / "settings" / "__init__.py"))


@pytest.mark.django_db
def test_clients_behind_the_proxy_do_not_lock_each_other_out(
    client, settings, monkeypatch, client_user, other_client
):
    # Deployed behind one proxy of ours, which appends the address it saw.
    deployed = _settings_from(monkeypatch, TRUSTED_PROXY_COUNT="1")
    for name in ("ALLAUTH_TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER"):
        setattr(settings, name, deployed.get(name))
    # The limits' counters in a cache of this test's own: the shared Redis is
    # emptied by every other test run on this machine.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }

    def login(person, password, address):
        return client.post(
            "/accounts/login/",
            {"login": person.email, "password": password},
            headers={"X-Forwarded-For": address},
            REMOTE_ADDR="10.0.0.2",  # the proxy's own address, the same for everyone
        )

    for _ in range(5):
        login(client_user, "not-the-password-at-all", "203.0.113.7")
    blocked = login(client_user, "not-the-password-at-all", "203.0.113.7")
    assert "Too many failed login attempts" in blocked.content.decode()
    # Someone else behind the same proxy signs in as usual.
    response = login(other_client, PASSWORD, "198.51.100.9")
    assert response.status_code == 302 and "Too many" not in response.content.decode()
    # Nobody chooses their own address: only the entry our proxy added counts,
    # so the blocked address stays blocked, whatever account it tries next.
    client.logout()
    spoofed = login(other_client, "not-the-password-at-all", "198.51.100.9, 203.0.113.7")
    assert "Too many failed login attempts" in spoofed.content.decode()
    # The audit trail names the same addresses the limits counted, not the proxy's.
    addresses = set(
        AuditEvent.objects.filter(action="auth.login_failed").values_list("ip", flat=True)
    )
    assert addresses == {"203.0.113.7"}


@pytest.mark.django_db
def test_a_forwarded_address_counts_only_from_the_trusted_proxy(
    client, settings, monkeypatch, client_user, other_client
):
    # The cluster's setting: one proxy, at 10.0.0.2 (scripts/cluster).
    deployed = _settings_from(
        monkeypatch, TRUSTED_PROXY_COUNT="1", TRUSTED_PROXY_ADDRESSES="10.0.0.2"
    )
    for name in ("ALLAUTH_TRUSTED_PROXY_COUNT", "TRUSTED_PROXY_ADDRESSES"):
        setattr(settings, name, deployed[name])
    # Counters of this test's own (the test above locks client_user's key).
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "trusted-proxy-addresses",
        },
    }

    def fail_login(person, forwarded_for, remote_addr):
        return client.post(
            "/accounts/login/",
            {"login": person.email, "password": "not-the-password-at-all"},
            headers={"X-Forwarded-For": forwarded_for},
            REMOTE_ADDR=remote_addr,
        )

    # Through the proxy: the address the proxy saw.
    fail_login(client_user, "198.51.100.9", "10.0.0.2")
    # Someone reaching a web host directly names any address they like; it
    # is not believed, and five such failures lock out their own address.
    for _ in range(5):
        fail_login(other_client, "198.51.100.9", "10.0.0.77")
    blocked = fail_login(client_user, "203.0.113.50", "10.0.0.77")
    assert "Too many failed login attempts" in blocked.content.decode()
    failed = list(
        AuditEvent.objects.filter(action="auth.login_failed")
        .order_by("at", "pk")
        .values_list("ip", flat=True)
    )
    assert failed == ["198.51.100.9"] + ["10.0.0.77"] * 5
    # The proxy's client at 198.51.100.9 was never counted for them.
    response = client.post(
        "/accounts/login/",
        {"login": client_user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.9"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302 and "Too many" not in response.content.decode()


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"TRUSTED_PROXY_COUNT": "one"}, "TRUSTED_PROXY_COUNT must be a whole number"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be at least 0"),
        ({"TRUSTED_CLIENT_IP_HEADER": "X_Real_IP"}, "must be an HTTP header name"),
        ({"TRUSTED_PROXY_COUNT": "1", "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}, "not both"),
        ({"TRUSTED_PROXY_ADDRESSES": "10.0.0.2,proxy.local"}, "TRUSTED_PROXY_ADDRESSES must list"),
    ],
)
def test_a_wrong_trusted_proxy_setting_stops_start_up_and_says_why(monkeypatch, env, error):
    with pytest.raises(ImproperlyConfigured, match=error):
        _settings_from(monkeypatch, **env)


def test_the_trusted_proxy_comes_from_the_environment(monkeypatch):
    read = _settings_from(monkeypatch)
    assert (read["ALLAUTH_TRUSTED_PROXY_COUNT"], read["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"]) == (
        0,
        None,
    )
    read = _settings_from(monkeypatch, TRUSTED_PROXY_COUNT="2")
    assert read["ALLAUTH_TRUSTED_PROXY_COUNT"] == 2
    read = _settings_from(monkeypatch, TRUSTED_CLIENT_IP_HEADER="X-Real-IP")
    assert read["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"] == "X-Real-IP"
    assert read["TRUSTED_PROXY_ADDRESSES"] == []
    read = _settings_from(monkeypatch, TRUSTED_PROXY_ADDRESSES="10.0.0.2, 10.1.0.0/24")
    assert [str(n) for n in read["TRUSTED_PROXY_ADDRESSES"]] == ["10.0.0.2/32", "10.1.0.0/24"]
