import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]

# Ask /healthz from a separate process whose settings come from `env`.
_PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
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
    result = _run(_PROBE, ALLOWED_HOSTS="testserver", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_it_reports_database_and_redis_as_json(client, settings):
    response = client.get("/healthz")
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
    health = _health(APP_VERSION="3f4ea71", DATABASE_URL=subprocess_database_url())
    assert health["body"]["version"] == "3f4ea71"


def test_it_answers_503_when_the_database_does_not_answer():
    # Port 9 (discard) has no PostgreSQL behind it.
    health = _health(DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing")
    assert health["status"] == 503
    assert health["body"]["database"] == "unavailable"


@pytest.mark.django_db
def test_it_stays_up_when_redis_does_not_answer():
    health = _health(REDIS_URL="redis://127.0.0.1:9/0", DATABASE_URL=subprocess_database_url())
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
