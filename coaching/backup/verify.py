"""What a restored database shows against its signed manifest and against
a fresh `migrate` of the same code."""

from pathlib import Path

from django.db import DatabaseError, connection, transaction

from accounts.rotation import secrets_reencrypt
from coaching.backup.common import DATA_LEFT_OUT
from coaching.backup.dump import counts, migrations_applied
from coaching.backup.manifest import manifest_read
from coaching.backup.schema import fresh_schema, schema_differences, schema_of

# Raw UPDATEs the database itself must refuse in a restored copy, as a
# sample that the locks work (the schema comparison checks that every
# trigger and function is the migrations' own): a signed note
# (sessions_log 0004/0011) and an audit event (accounts 0002).
LOCKED_ROWS = {
    "sessions_log_note": "signed_at IS NOT NULL",
    "accounts_auditevent": "true",
}
# How many differing objects a refusal names.
SHOWN = 12


class _RolledBack(Exception):
    pass


def _decrypted_rows() -> int:
    """Every encrypted value decrypted (and re-encrypted) with the
    configured keys, then rolled back: key rotation's own pass, which stops
    at the first value no key opens."""
    found = {}
    try:
        with transaction.atomic():
            found = secrets_reencrypt()
            raise _RolledBack
    except _RolledBack:
        pass
    return sum(found.values())


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
    """(findings, problems). The manifest's signature is verified first
    (BackupError if it does not). No problem means: the schema is exactly
    what this code's migrations make, the counts match, the session and
    cache tables are empty, every encrypted value opens with the keys and
    the locks refuse a raw UPDATE."""
    manifest = manifest_read(directory)
    problems = []
    with connection.cursor() as cursor:
        differences = schema_differences(schema_of(cursor), fresh_schema())
    if differences:
        more = f" (and {len(differences) - SHOWN} more)" if len(differences) > SHOWN else ""
        problems.append(
            "the schema is not what this code's migrations make: "
            + "; ".join(differences[:SHOWN])
            + more
        )
    if migrations_applied() != manifest["schema"]:
        problems.append(
            f"migrations {migrations_applied()} are not the manifest's {manifest['schema']}"
        )
    rows = counts()
    differ = {t: (rows.get(t), n) for t, n in manifest["tables"].items() if rows.get(t) != n}
    if differ:
        problems.append(f"row counts differ (restored, manifest): {differ}")
    live = {t: rows[t] for t in DATA_LEFT_OUT if rows.get(t)}
    if live:
        problems.append(f"tables that a backup leaves empty hold rows: {live}")
    try:
        decrypted = _decrypted_rows()
    except Exception as error:  # noqa: BLE001 - RotationError or a bad key: reported
        problems.append(f"an encrypted value does not open with these keys: {error}")
        decrypted = 0
    refused = {t: _refuses_raw_update(t, where) for t, where in LOCKED_ROWS.items()}
    for table, result in refused.items():
        if result is False:
            problems.append(f"a raw UPDATE of {table} was not refused: its trigger is missing")
    untried = [t for t, r in refused.items() if r is None]
    findings = [
        "signature verified; the schema is what this code's migrations make"
        if not differences
        else "the schema differs",
        f"{len(rows)} tables, {sum(rows.values())} rows, as the manifest says"
        if not differ
        else "row counts differ",
        f"no rows in {', '.join(DATA_LEFT_OUT)}" if not live else "session or cache rows found",
        f"{decrypted} rows with encrypted values decrypt with the keys",
        "raw UPDATE refused: "
        + ", ".join(t for t, r in refused.items() if r)
        + (f" (no row to try in {', '.join(untried)})" if untried else ""),
    ]
    return findings, problems
