"""Backups: a pg_dump and a manifest taken from one snapshot, and the
checks a restore must pass before anyone uses it.

The dump holds the ciphertext of everything encrypted at rest, never the
keys (FIELD_ENCRYPTION_KEYS lives in the environment of the app's hosts):
a stolen backup is unreadable, and a backup is useless without the keys,
which are kept apart (docs/deploy.md says how).

`manage.py backup_create DIR` and `manage.py backup_restore DIR` run these
as the tables' owner (DATABASE_URL=$DATABASE_OWNER_URL); `make backup` and
`make restore` call them.
"""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from accounts.rotation import secrets_reencrypt

DUMP = "database.dump"
MANIFEST = "manifest.json"
# Raw UPDATEs the database itself must refuse in a restored copy: a signed
# note (sessions_log 0004/0011) and an audit event (accounts 0002).
LOCKED_ROWS = {
    "sessions_log_note": "signed_at IS NOT NULL",
    "accounts_auditevent": "true",
}


class BackupError(Exception):
    pass


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the server's major version when installed
    (Debian keeps them in /usr/lib/postgresql/N/bin), else from PATH."""
    major = connection.cursor().connection.info.server_version // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(versioned) if versioned.exists() else shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client).")
    return found


def _connection_args() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return [*args, "-d", db["NAME"]], env


def _tables() -> list[str]:
    return sorted(
        name for name in connection.introspection.table_names() if not name.startswith("pg_")
    )


def _counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in _tables():
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 - table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _schema() -> dict[str, str]:
    """The latest applied migration of each app."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_create(directory: Path) -> dict:
    """pg_dump (custom format) and the manifest of the same snapshot: the
    counts describe exactly the rows in the dump."""
    directory.mkdir(parents=True, exist_ok=False)
    args, env = _connection_args()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), now(), current_setting('server_version')")
        snapshot, taken_at, server_version = cursor.fetchone()
        dumped = subprocess.run(  # noqa: S603 - pg_dump with our own arguments
            [_pg_tool("pg_dump"), *args, "-Fc", "--snapshot", snapshot,
             "-f", str(directory / DUMP)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if dumped.returncode != 0:
            raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
        manifest = {
            "taken_at": taken_at.isoformat(),
            "written_at": timezone.now().isoformat(),
            "app_version": settings.APP_VERSION,
            "postgresql": server_version,
            "schema": _schema(),
            "tables": _counts(),
            "dump": DUMP,
            "dump_sha256": _sha256(directory / DUMP),
            "encryption_keys": "not included: restore with the FIELD_ENCRYPTION_KEYS kept apart",
        }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def backup_restore(directory: Path) -> None:
    """pg_restore into this (empty) database; the caller then migrates
    (which grants the app's role its rights) and verifies."""
    manifest = json.loads((directory / MANIFEST).read_text())
    if _sha256(directory / manifest["dump"]) != manifest["dump_sha256"]:
        raise BackupError("the dump does not match its manifest (sha256): not restored")
    if _tables():
        raise BackupError(
            "the database is not empty: restore into a fresh database, never over live data"
        )
    args, env = _connection_args()
    restored = subprocess.run(  # noqa: S603 - pg_restore with our own arguments
        [_pg_tool("pg_restore"), *args, "--no-owner", "--no-acl", "--exit-on-error",
         str(directory / manifest["dump"])],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if restored.returncode != 0:
        raise BackupError(f"pg_restore failed: {restored.stderr.strip()}")


class _RolledBack(Exception):
    pass


def _decrypted_rows() -> int:
    """Every encrypted value decrypted (and re-encrypted) with the
    configured keys, then rolled back: key rotation's own pass, which stops
    at the first value no key opens."""
    counts = {}
    try:
        with transaction.atomic():
            counts = secrets_reencrypt()
            raise _RolledBack
    except _RolledBack:
        pass
    return sum(counts.values())


def _refuses_raw_update(table: str, where: str) -> bool | None:
    """True when PostgreSQL refuses a raw UPDATE of a locked row; None when
    the table has no such row to try."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {quote(table)} WHERE {where} LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
        if row is None:
            return None
        try:
            with transaction.atomic():
                cursor.execute(f"UPDATE {quote(table)} SET id = id WHERE id = %s", [row[0]])  # noqa: S608
        except DatabaseError:
            return True
    return False


def backup_verify(directory: Path) -> tuple[list[str], list[str]]:
    """What a restored database shows against its manifest: (findings,
    problems). No problem means the counts and schema match, every
    encrypted value opens with the keys and the locks are in place."""
    manifest = json.loads((directory / MANIFEST).read_text())
    problems = []
    if _schema() != manifest["schema"]:
        problems.append(f"schema {_schema()} is not the manifest's {manifest['schema']}")
    counts = _counts()
    differ = {t: (counts.get(t), n) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if differ:
        problems.append(f"row counts differ (restored, manifest): {differ}")
    try:
        decrypted = _decrypted_rows()
    except Exception as error:  # noqa: BLE001 - RotationError or a bad key: reported
        problems.append(f"an encrypted value does not open with these keys: {error}")
        decrypted = 0
    refused = {t: _refuses_raw_update(t, where) for t, where in LOCKED_ROWS.items()}
    for table, result in refused.items():
        if result is False:
            problems.append(f"a raw UPDATE of {table} was not refused: its trigger is missing")
    findings = [
        f"{len(counts)} tables, {sum(counts.values())} rows, as the manifest says"
        if not differ
        else "row counts differ",
        f"{decrypted} rows with encrypted values decrypt with the keys",
        "raw UPDATE refused: "
        + ", ".join(t for t, r in refused.items() if r)
        + (
            f" (no row to try in {', '.join(t for t, r in refused.items() if r is None)})"
            if None in refused.values()
            else ""
        ),
    ]
    return findings, problems
