"""`manage.py backup_create` / `backup_restore` (what `make backup` and
`make restore` run), as separate processes on the test database and on
fresh databases beside it.

Issue 29 points 1 and 4: a backup holds no live session key, and a restore
trusts nothing in a backup that its signature does not vouch for (45 CFR
164.308(a)(7)(ii)(A)-(B): a retrievable exact copy and its restore;
164.312(c)(1): integrity, data not altered in an unauthorised manner)."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import LoginSession, User
from accounts.models.login_sessions import session_key_digest
from coaching.backup import DATA_LEFT_OUT, manifest_sign
from sessions_log.models import Session
from sessions_log.services.sessions import session_schedule
from tests.conftest import PASSWORD
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
        timeout=600,  # a restore migrates twice (the restored and a fresh database)
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
    assert len(manifest["signature_hmac_sha256"]) == 64
    assert settings.BACKUP_SIGNING_KEY not in (backed_up / "manifest.json").read_text()
    for key in settings.FIELD_ENCRYPTION_KEYS:
        assert key not in (backed_up / "manifest.json").read_text()
        assert key.encode() not in (backed_up / "database.dump").read_bytes()


def test_it_restores_into_an_empty_database_and_proves_it(backed_up, fresh_databases):
    url = fresh_databases()
    restored = _manage("backup_restore", str(backed_up), url=url)
    assert restored.returncode == 0, restored.stderr
    assert "as the manifest says" in restored.stdout
    assert "rows with encrypted values decrypt with the keys" in restored.stdout
    # The audit trigger came back with the dump (no note was signed here).
    assert "raw UPDATE refused: accounts_auditevent" in restored.stdout
    assert "the schema is what this code's migrations make" in restored.stdout
    assert "verified" in restored.stdout
    # pg_restore ran as a role that is no superuser: it owns what it made.
    with psycopg.connect(url) as conn:
        owners = conn.execute(
            "SELECT DISTINCT t.tableowner, r.rolsuper FROM pg_tables t "
            "JOIN pg_roles r ON r.rolname = t.tableowner WHERE t.schemaname = 'public'"
        ).fetchall()
    assert owners == [("coaching_owner", False)]


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


def _pg_restore_sql(dump: Path) -> str:
    """The dump as the SQL pg_restore would run (a custom-format dump is
    compressed: grepping its bytes proves nothing)."""
    major = connection.cursor().connection.info.server_version // 10000
    tool = Path(f"/usr/lib/postgresql/{major}/bin/pg_restore")
    done = subprocess.run(
        [str(tool) if tool.exists() else "pg_restore", "-f", "-", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _tables_of(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]


def _resign(backup: Path, change) -> None:
    """Edit the manifest and sign it again with the real key: what only
    someone holding BACKUP_SIGNING_KEY could do, to reach the checks after
    the signature."""
    manifest = json.loads((backup / "manifest.json").read_text())
    change(manifest)
    (backup / "manifest.json").write_text(json.dumps(manifest_sign(manifest)))


def test_a_backup_holds_no_session_key(transactional_db, tmp_path, client, client_user):
    """45 CFR 164.312(a)(2)(iv), 164.312(d): a stolen backup signs nobody in."""
    assert client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    client.get("/")  # allauth's user-session row is written on the next request
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert LoginSession.objects.filter(session_key=session_key_digest(key)).exists()
    made = _manage("backup_create", str(tmp_path / "b"), url=subprocess_database_url())
    assert made.returncode == 0, made.stderr
    sql = _pg_restore_sql(tmp_path / "b" / "database.dump")
    assert "CREATE TABLE public.accounts_loginsession" in sql  # the schema is kept
    assert key not in sql
    assert session_key_digest(key) not in sql
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["tables"]["accounts_loginsession"] == 0
    assert "usersessions_usersession" not in manifest["tables"]  # dropped: accounts 0013
    assert set(manifest["data_left_out"]) == set(DATA_LEFT_OUT)


def test_a_manifest_edited_after_the_backup_is_refused_before_anything(backed_up, fresh_databases):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    manifest["tables"]["sessions_log_session"] = 0  # hide a row: counts are vouched for
    (backed_up / "manifest.json").write_text(json.dumps(manifest))
    url = fresh_databases()
    restored = _manage("backup_restore", str(backed_up), url=url)
    assert restored.returncode != 0
    assert "signature does not verify" in restored.stderr
    assert _tables_of(url) == []


def test_a_backup_signed_with_another_key_is_refused(backed_up, fresh_databases):
    url = fresh_databases()
    restored = _manage(
        "backup_restore", str(backed_up), url=url, BACKUP_SIGNING_KEY="someone-elses-key"
    )
    assert restored.returncode != 0
    assert "signature does not verify" in restored.stderr
    assert _tables_of(url) == []


def test_a_dump_edited_and_its_checksum_with_it_is_refused(backed_up, fresh_databases):
    """The checksum is inside the signed manifest: rewriting it too breaks
    the signature."""
    dump = backed_up / "database.dump"
    dump.write_bytes(dump.read_bytes() + b"tampered")
    manifest = json.loads((backed_up / "manifest.json").read_text())
    manifest["dump_sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (backed_up / "manifest.json").write_text(json.dumps(manifest))
    url = fresh_databases()
    restored = _manage("backup_restore", str(backed_up), url=url)
    assert restored.returncode != 0
    assert "signature does not verify" in restored.stderr
    assert _tables_of(url) == []


def test_a_manifest_naming_another_file_is_refused(backed_up, fresh_databases):
    (backed_up / "other.dump").write_bytes((backed_up / "database.dump").read_bytes())
    _resign(backed_up, lambda manifest: manifest.update(dump="other.dump"))
    url = fresh_databases()
    restored = _manage("backup_restore", str(backed_up), url=url)
    assert restored.returncode != 0
    assert "names the dump 'other.dump'" in restored.stderr
    assert _tables_of(url) == []


def test_a_dump_holding_session_rows_is_refused(backed_up, fresh_databases, client, coach):
    """A dump with session rows (not one `backup_create` writes) restores
    nothing anyone may use, even signed."""
    client.force_login(coach)
    dump = backed_up / "database.dump"
    dump.unlink()
    major = connection.cursor().connection.info.server_version // 10000
    tool = Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")
    subprocess.run(
        [str(tool) if tool.exists() else "pg_dump", "-Fc", "-f", str(dump),
         "-d", subprocess_database_url()],
        check=True,
    )  # fmt: skip
    digest = hashlib.sha256(dump.read_bytes()).hexdigest()
    _resign(backed_up, lambda manifest: manifest.update(dump_sha256=digest))
    restored = _manage("backup_restore", str(backed_up), url=fresh_databases())
    assert restored.returncode != 0
    assert "holds rows a backup never holds" in restored.stderr
    assert "accounts_loginsession" in restored.stderr


def _migrated_database(make) -> str:
    url = make()
    done = _manage("migrate", "--noinput", url=url)
    assert done.returncode == 0, done.stderr
    return url


DROP_A_TRIGGER = """
SELECT format('DROP TRIGGER %I ON %I', t.tgname, c.relname), c.relname || '.' || t.tgname
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal AND c.relname = 'coaching_consent' ORDER BY t.tgname LIMIT 1
"""
ALTER_A_FUNCTION = """
SELECT format('CREATE OR REPLACE FUNCTION %s RETURNS trigger LANGUAGE plpgsql '
              'AS $f$BEGIN RETURN NEW; END$f$', p.oid::regprocedure), p.oid::regprocedure::text
FROM pg_proc p JOIN pg_trigger t ON t.tgfoid = p.oid JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal AND c.relname = 'coaching_consent' ORDER BY p.proname LIMIT 1
"""


def test_a_backup_whose_schema_differs_from_the_migrations_is_refused(
    transactional_db, tmp_path, fresh_databases
):
    """A signed backup of a database whose locks were taken off (a consent
    trigger dropped, and a consent trigger's function made to let
    everything through) restores as refused, naming what differs."""
    source = _migrated_database(fresh_databases)
    with psycopg.connect(source, autocommit=True) as conn:
        # The function first: the trigger dropped after may be one that calls it.
        alter, function = conn.execute(ALTER_A_FUNCTION).fetchone()
        conn.execute(alter)
        drop, trigger = conn.execute(DROP_A_TRIGGER).fetchone()
        conn.execute(drop)
    made = _manage("backup_create", str(tmp_path / "b"), url=source)
    assert made.returncode == 0, made.stderr
    restored = _manage("backup_restore", str(tmp_path / "b"), url=fresh_databases())
    assert restored.returncode != 0
    assert "the schema is not what this code's migrations make" in restored.stderr
    assert f"trigger {trigger} is missing" in restored.stderr
    assert f"function {function} differs" in restored.stderr
    assert "verified it" not in restored.stdout
