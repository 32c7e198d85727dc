"""`manage.py backup_create` / `backup_restore` (what `make backup` and
`make restore` run), as separate processes on the test database and on
fresh databases beside it."""

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from sessions_log.models import Session
from sessions_log.services.sessions import session_schedule
from tests.helpers import subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]
OTHER_KEY = "b3RoZXItaW5zZWN1cmUta2V5LW9mLXRoZS10ZXN0cyE="  # a valid Fernet key, not ours


def _manage(*args, url, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def fresh_databases():
    """Empty databases on the test server, dropped afterwards."""
    made = []

    def make() -> str:
        name = f"restore_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return subprocess_database_url().rsplit("/", 1)[0] + "/" + name

    yield make
    with connection.cursor() as cursor:
        for name in made:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def backed_up(transactional_db, tmp_path, coach, client_user):
    """A backup of a database holding encrypted values (the coach's MFA
    secret, a session's place)."""
    session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality=Session.Modality.IN_PERSON,
        location="Room 4, the clinic on Hope Street",
    )
    made = _manage("backup_create", str(tmp_path / "b"), url=subprocess_database_url())
    assert made.returncode == 0, made.stderr
    return tmp_path / "b"


def test_a_backup_holds_a_dump_and_a_manifest_of_counts_and_schema_but_no_key(backed_up):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    assert manifest["tables"]["accounts_user"] == User.objects.count()
    assert manifest["tables"]["sessions_log_session"] == 1
    assert manifest["schema"]["sessions_log"].startswith("00")
    assert (backed_up / "database.dump").stat().st_size > 0
    for key in settings.FIELD_ENCRYPTION_KEYS:
        assert key not in (backed_up / "manifest.json").read_text()
        assert key.encode() not in (backed_up / "database.dump").read_bytes()


def test_it_restores_into_an_empty_database_and_proves_it(backed_up, fresh_databases):
    restored = _manage("backup_restore", str(backed_up), url=fresh_databases())
    assert restored.returncode == 0, restored.stderr
    assert "as the manifest says" in restored.stdout
    assert "rows with encrypted values decrypt with the keys" in restored.stdout
    # The audit trigger came back with the dump (no note was signed here).
    assert "raw UPDATE refused: accounts_auditevent" in restored.stdout
    assert "verified" in restored.stdout


def test_it_says_so_when_the_keys_do_not_open_the_backup(backed_up, fresh_databases):
    restored = _manage(
        "backup_restore", str(backed_up), url=fresh_databases(), FIELD_ENCRYPTION_KEYS=OTHER_KEY
    )
    assert restored.returncode != 0
    assert "does not open with these keys" in restored.stderr


def test_it_refuses_to_restore_over_a_database_that_has_tables(backed_up):
    restored = _manage("backup_restore", str(backed_up), url=subprocess_database_url())
    assert restored.returncode != 0
    assert "not empty" in restored.stderr
    assert Session.objects.count() == 1


def test_it_refuses_a_dump_that_does_not_match_its_manifest(backed_up, fresh_databases):
    with (backed_up / "database.dump").open("ab") as dump:
        dump.write(b"tampered")
    restored = _manage("backup_restore", str(backed_up), url=fresh_databases())
    assert restored.returncode != 0
    assert "does not match its manifest" in restored.stderr
