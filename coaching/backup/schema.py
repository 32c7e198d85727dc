"""The schema of a restored database against what this code's migrations
make: a throwaway database beside it is migrated from nothing, and the two
catalogues are compared (tables and views, columns, constraints, indexes,
triggers, functions, with their definitions). Owners and grants are left
out: the app's role is granted its rights by every migrate.

PostgreSQL prints some definitions differently once they have been through
a dump and a restore (a CHECK with IN on a varchar column, an index's
WHERE): the same meaning, other casts. So the fresh schema is also dumped
and restored once into a second throwaway database, and a restored object
matches when its definition is either of the two."""

import os
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

from coaching.backup.common import BackupError, connection_args, database_url, pg_tool

# Each query yields (kind, name, definition) for the public schema.
_CATALOGUE = [
    """SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'view'
                             WHEN 'S' THEN 'sequence' ELSE 'table' END,
              c.relname,
              CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid)
                   ELSE c.relkind::text || ' rls=' || c.relrowsecurity::text END
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')""",
    """SELECT 'column', table_name || '.' || column_name,
              concat_ws(' ', data_type, character_maximum_length, 'null=' || is_nullable,
                        'default=' || column_default, 'identity=' || is_identity,
                        'generated=' || generation_expression)
       FROM information_schema.columns WHERE table_schema = 'public'""",
    """SELECT 'constraint', conrelid::regclass::text || '.' || conname,
              pg_get_constraintdef(oid)
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    """SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'""",
    """SELECT 'trigger', c.relname || '.' || t.tgname,
              pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT t.tgisinternal AND n.nspname = 'public'""",
    """SELECT 'function', p.oid::regprocedure::text, pg_get_functiondef(p.oid)
       FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
       AND p.prokind IN ('f', 'p')""",
    """SELECT 'policy', c.relname || '.' || p.polname, pg_get_expr(p.polqual, p.polrelid)
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'""",
    """SELECT 'event trigger', evtname, evtevent || ' ' || evtfoid::regprocedure::text
       FROM pg_event_trigger""",
]


def schema_of(cursor) -> dict[tuple[str, str], str]:
    """{(kind, name): definition} of the database `cursor` is on."""
    found = {}
    for query in _CATALOGUE:
        cursor.execute(query)
        for kind, name, definition in cursor.fetchall():
            found[(kind, name)] = definition or ""
    return found


def schema_differences(restored: dict, fresh: dict[tuple[str, str], set[str]]) -> list[str]:
    """What differs, one line per object, restored against the fresh
    schema's accepted definitions."""
    lines = []
    for key in sorted(restored.keys() | fresh.keys()):
        kind, name = key
        if key not in restored:
            lines.append(f"{kind} {name} is missing")
        elif key not in fresh:
            lines.append(f"{kind} {name} is not made by the migrations")
        elif restored[key] not in fresh[key]:
            lines.append(f"{kind} {name} differs")
    return lines


@contextmanager
def _throwaway_database(suffix: str):
    name = f"{settings.DATABASES['default']['NAME']}_{suffix}_{uuid.uuid4().hex[:10]}"[-63:]
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"CREATE DATABASE {quoted}")
        except Exception as error:  # noqa: BLE001 - reported, and nothing restored is trusted
            raise BackupError(
                f"could not create a database to compare the schema with ({error}): "
                "the restore role needs CREATEDB; not verified"
            ) from None
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def _schema_in(name: str) -> dict[tuple[str, str], str]:
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
        password=db.get("PASSWORD") or None, dbname=name, autocommit=True,
    ) as other, other.cursor() as cursor:  # fmt: skip
        return schema_of(cursor)


def _run(argv: list[str], env: dict, what: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own tools and manage.py
        argv, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
        timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr[-800:]}")


def fresh_schema() -> dict[tuple[str, str], set[str]]:
    """{(kind, name): accepted definitions} that `migrate` of this code
    makes in an empty database, as made and after one dump and restore
    (throwaway databases beside this one, dropped afterwards)."""
    with _throwaway_database("fresh") as fresh, _throwaway_database("again") as again:
        _run(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "migrate", "--noinput"],
            {**os.environ, "DATABASE_URL": database_url(fresh)},
            "migrate of a fresh database",
        )
        with tempfile.TemporaryDirectory() as scratch:
            dump = str(Path(scratch) / "schema.dump")
            args, env = connection_args(fresh)
            _run([pg_tool("pg_dump"), *args, "-Fc", "-s", "-f", dump], env, "pg_dump -s")
            args, env = connection_args(again)
            _run(
                [pg_tool("pg_restore"), *args, "--no-owner", "--no-acl", "--exit-on-error", dump],
                env,
                "pg_restore of the fresh schema",
            )
        made, round_trip = _schema_in(fresh), _schema_in(again)
    return {key: {made.get(key), round_trip.get(key)} - {None} for key in made | round_trip}
