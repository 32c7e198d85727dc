"""The app's database role reads and writes rows; it owns nothing.

Migrations and key rotation run as the role that owns the tables (with
DATABASE_URL pointing at it); the web, worker and beat processes connect as
DATABASE_APP_ROLE, which after every migrate holds SELECT, INSERT, UPDATE and
DELETE on the tables and use of the sequences, and nothing else: no TRUNCATE,
no ALTER, no trigger changes, no temporary tables, and (sessions_log 0011) no way through the
signed-note trigger's rotation path, which only the owner may take.
"""

from django.conf import settings
from django.db import connections
from psycopg import sql


def app_role_grant(*, using: str = "default") -> str | None:
    """Give the app's role what it needs on every table, and no more.
    Returns the role, or None when the app connects as the owner itself
    (a one-role set-up, e.g. a developer's own database)."""
    role = settings.DATABASE_APP_ROLE
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
        if not role or role == owner:
            return None
        statements = [
            "GRANT USAGE ON SCHEMA public TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            # A table may once have granted more (a one-role past): take it back.
            "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
        ]
        for statement in statements:
            cursor.execute(sql.SQL(statement).format(role=sql.Identifier(role)))
        # No temporary tables (sessions_log 0016): a database privilege, which
        # a dump does not carry, so taken again after every migrate (a
        # restore's too). Only the database's owner can; others get a warning.
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
        cursor.execute(
            sql.SQL("REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC, {role}").format(
                database=sql.Identifier(database), role=sql.Identifier(role)
            )
        )
    return role


def grant_after_migrate(sender, *, using, **kwargs) -> None:
    """post_migrate: new tables are the app's to use too."""
    app_role_grant(using=using)
