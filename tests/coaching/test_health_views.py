import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import sign_in, subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]

# Ask /healthz from a separate process whose settings come from `env`.
_PROBE = """
import django, json, os
django.setup()
from django.test import Client
token = os.environ.get("HEALTHZ_TOKEN", "")
response = Client().get("/healthz", headers={"X-Healthz-Token": token} if token else {})
print(json.dumps({"status": response.status_code, "body": json.loads(response.content)}))
"""


def _run(code_or_args, **env):
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "coaching.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _health(**env):
    """/healthz from a separate process; with HEALTHZ_TOKEN in `env`, its details."""
    result = _run(_PROBE, ALLOWED_HOSTS="testserver", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_it_reports_database_and_redis_as_json(client, settings):
    settings.HEALTHZ_TOKEN = "healthz-token-for-tests-5521"
    response = client.get("/healthz", headers={"X-Healthz-Token": settings.HEALTHZ_TOKEN})
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "reminders": "ok",
        "oldest_due_reminder_seconds_late": 0,
        "replicas": [],
        "version": settings.APP_VERSION,
    }


@pytest.mark.django_db
def test_it_reports_the_version_the_deployment_sets():
    health = _health(
        APP_VERSION="3f4ea71", DATABASE_URL=subprocess_database_url(), HEALTHZ_TOKEN="t0ken"
    )
    assert health["body"]["version"] == "3f4ea71"


def test_it_answers_503_when_the_database_does_not_answer():
    # Port 9 (discard) has no PostgreSQL behind it.
    health = _health(DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing", HEALTHZ_TOKEN="t0ken")
    assert health["status"] == 503
    assert health["body"]["database"] == "unavailable"


@pytest.mark.django_db
def test_it_stays_up_when_redis_does_not_answer():
    health = _health(
        REDIS_URL="redis://127.0.0.1:9/0",
        DATABASE_URL=subprocess_database_url(),
        HEALTHZ_TOKEN="t0ken",
    )
    assert health["status"] == 200
    assert health["body"]["status"] == "ok"
    assert health["body"]["redis"] == "unavailable"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://somewhere/db"),
        ("DATABASE_URL", "postgres://host:notaport/db"),
        ("REDIS_URL", "http://localhost"),
        ("DB_CONN_MAX_AGE", "forever"),
        ("SECURE_COOKIES", "sometimes"),
    ],
)
def test_a_bad_environment_value_stops_start_up_naming_the_variable(variable, value):
    result = _run(["manage.py", "check"], **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_production_needs_a_real_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]


# ------------------------------------------------- who sees the details (issue 29 point 5)

TOKEN = "healthz-token-for-tests-5521"


@pytest.mark.django_db
def test_the_public_answer_is_the_status_only(client, settings):
    """Anyone may ask; the version and the replicas (who and where they are)
    tell an attacker what to aim at, so the public answer is the status."""
    settings.HEALTHZ_TOKEN = TOKEN
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert settings.APP_VERSION not in response.content.decode()


@pytest.mark.django_db
def test_the_details_need_the_token(client, settings):
    settings.HEALTHZ_TOKEN = TOKEN
    body = client.get("/healthz", headers={"X-Healthz-Token": TOKEN}).json()
    assert body["version"] == settings.APP_VERSION and body["database"] == "ok"
    wrong = client.get("/healthz", headers={"X-Healthz-Token": TOKEN + "x"}).json()
    assert wrong == {"status": "ok"}
    # With no token set, no header opens the details.
    settings.HEALTHZ_TOKEN = ""
    assert client.get("/healthz", headers={"X-Healthz-Token": ""}).json() == {"status": "ok"}


@pytest.mark.django_db
def test_an_admin_signed_in_sees_the_details_and_a_coach_does_not(client, admin_user, coach):
    sign_in(client, coach)
    assert client.get("/healthz").json() == {"status": "ok"}
    sign_in(client, admin_user)
    assert client.get("/healthz").json()["replicas"] == []


def test_without_the_database_the_public_answer_is_503_unavailable():
    health = _health(DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing")
    assert (health["status"], health["body"]) == (503, {"status": "unavailable"})
