"""Headers, cookies and session limits (OWASP ASVS level 2, HIPAA 164.312)."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session as LoginSession
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
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
    assert UserSession.objects.filter(user=client_user).exists()
    key = client.session.session_key
    client_user.is_active = False
    client_user.save()
    assert not LoginSession.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=client_user).exists()


@pytest.mark.django_db
def test_people_see_and_can_end_their_other_sessions(client, client_user):
    client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    assert client.get("/accounts/sessions/").status_code == 200
