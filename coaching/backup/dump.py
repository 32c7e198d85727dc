"""Writing a backup (pg_dump and its signed manifest, from one snapshot)
and restoring one (after the manifest's signature, the fixed dump name and
the dump's checksum are verified; pg_restore as a role that is no
superuser)."""

import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from coaching.backup.common import (
    DATA_LEFT_OUT,
    DUMP,
    RESTORE_OWNER,
    BackupError,
    connection_args,
    pg_tool,
    sha256_of,
)
from coaching.backup.manifest import manifest_read, manifest_write, signing_key


def tables() -> list[str]:
    return sorted(
        name for name in connection.introspection.table_names() if not name.startswith("pg_")
    )


def counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        found = {}
        for table in tables():
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 - table names
            found[table] = cursor.fetchone()[0]
    return found


def migrations_applied() -> dict[str, str]:
    """The latest applied migration of each app."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup_create(directory: Path) -> dict:
    """pg_dump (custom format) and the signed manifest of the same
    snapshot: the counts describe exactly the rows in the dump. The rows
    of DATA_LEFT_OUT's tables are not dumped (their schema is)."""
    signing_key()  # no key, no backup: before any file is written
    directory.mkdir(parents=True, exist_ok=False)
    args, env = connection_args()
    left_out = [arg for table in DATA_LEFT_OUT for arg in ("--exclude-table-data", table)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), now(), current_setting('server_version')")
        snapshot, taken_at, server_version = cursor.fetchone()
        dumped = subprocess.run(  # noqa: S603 - pg_dump with our own arguments
            [pg_tool("pg_dump"), *args, "-Fc", "--snapshot", snapshot, *left_out,
             "-f", str(directory / DUMP)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if dumped.returncode != 0:
            raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
        rows = counts()
        manifest = {
            "taken_at": taken_at.isoformat(),
            "written_at": timezone.now().isoformat(),
            "app_version": settings.APP_VERSION,
            "postgresql": server_version,
            "schema": migrations_applied(),
            "tables": {t: 0 if t in DATA_LEFT_OUT else n for t, n in rows.items()},
            "data_left_out": sorted(t for t in DATA_LEFT_OUT if t in rows),
            "dump": DUMP,
            "dump_sha256": sha256_of(directory / DUMP),
            "encryption_keys": "not included: restore with the FIELD_ENCRYPTION_KEYS kept apart",
        }
    return manifest_write(directory, manifest)


def _restore_role() -> str | None:
    """The role pg_restore runs as: the connection's own when it is no
    superuser; else RESTORE_OWNER (made if missing: no login, no superuser),
    which is given this database to own."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [RESTORE_OWNER])
        if cursor.fetchone() is None:
            cursor.execute(
                f"CREATE ROLE {quote(RESTORE_OWNER)} "
                "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            )
        cursor.execute(
            f"ALTER DATABASE {quote(settings.DATABASES['default']['NAME'])} "
            f"OWNER TO {quote(RESTORE_OWNER)}"
        )
        cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {quote(RESTORE_OWNER)}")
    return RESTORE_OWNER


def backup_restore(directory: Path) -> dict:
    """pg_restore into this (empty) database, once the manifest verifies;
    the caller then migrates (which grants the app's role its rights) and
    verifies. Returns the manifest."""
    manifest = manifest_read(directory)
    if tables():
        raise BackupError(
            "the database is not empty: restore into a fresh database, never over live data"
        )
    role = _restore_role()
    args, env = connection_args()
    restored = subprocess.run(  # noqa: S603 - pg_restore with our own arguments
        [pg_tool("pg_restore"), *args, "--no-owner", "--no-acl", "--exit-on-error",
         *([f"--role={role}"] if role else []), str(directory / DUMP)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if restored.returncode != 0:
        raise BackupError(f"pg_restore failed: {restored.stderr.strip()}")
    left = {t: n for t, n in counts().items() if t in DATA_LEFT_OUT and n}
    if left:
        raise BackupError(
            f"the dump holds rows a backup never holds (sessions, cache, keys): {left}; "
            "not verified: drop this database"
        )
    return manifest
