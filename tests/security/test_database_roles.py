"""The app connects to PostgreSQL as a role that reads and writes rows and
owns nothing: it cannot empty the audit trail or the notes, change a table
or a trigger, or take the signed-note trigger's key-rotation path, whatever
settings its session sets. (The test harness itself runs as the owner: it
creates, migrates and empties the test database.)"""

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.helpers import signed_contact


def _as_app():
    """A connection to the test database as the app's own role."""
    role = settings.DATABASE_APP_ROLE
    db = connection.settings_dict
    assert role and role != db["USER"], (
        "DATABASE_APP_ROLE must name a role other than the tables' owner "
        "(scripts/services.sh sets one up)"
    )
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=role, autocommit=False
    )


def _refused(statement: str, *params) -> bool:
    with _as_app() as app:
        try:
            app.execute(statement, params or None)
        except psycopg.errors.InsufficientPrivilege:
            return True
        return False


@pytest.mark.django_db(transaction=True)
def test_the_app_role_owns_nothing_and_is_no_superuser():
    with _as_app() as app:
        owned = app.execute(
            "SELECT count(*) FROM pg_tables"
            " WHERE schemaname = 'public' AND tableowner = current_user"
        ).fetchone()[0]
        superuser, create_db = app.execute(
            "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert (owned, superuser, create_db) == (0, False, False)


@pytest.mark.django_db(transaction=True)
def test_the_app_role_reads_and_writes_rows(coach, client_user):
    with _as_app() as app:
        assert app.execute("SELECT count(*) FROM accounts_user").fetchone()[0] >= 2
        app.execute("UPDATE accounts_team SET name = name || ' (renamed)'")
        app.execute("INSERT INTO accounts_team (name, created_at) VALUES ('Extra', now())")
        app.rollback()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "table", ["accounts_auditevent", "sessions_log_note", "sessions_log_addendum"]
)
def test_the_app_role_cannot_empty_the_audit_trail_or_the_notes(table, coach, client_user):
    signed_contact(coach, client_user)
    assert _refused(f"TRUNCATE {table} CASCADE")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE accounts_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER sessions_log_note_locked ON sessions_log_note",
        "ALTER TABLE sessions_log_note ADD COLUMN extra text",
        "CREATE TABLE planted (id int)",
    ],
)
def test_the_app_role_cannot_change_tables_or_triggers(statement):
    assert _refused(statement)


@pytest.mark.django_db(transaction=True)
def test_the_app_role_cannot_rewrite_a_signed_note_by_claiming_to_rotate_keys(coach, client_user):
    _, note = signed_contact(coach, client_user, narrative="What really happened")
    with _as_app() as app:
        app.execute("SET LOCAL coaching.rotating_keys = 'on'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            # Only ciphertext "changes": exactly what rotation is allowed to write.
            app.execute(
                "UPDATE sessions_log_note SET narrative = narrative WHERE id = %s", [note.pk]
            )
    note.refresh_from_db()
    assert note.narrative == "What really happened"
