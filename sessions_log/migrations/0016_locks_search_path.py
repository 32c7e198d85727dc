from django.conf import settings
from django.db import migrations

# Locks nobody can get round (issue 29, point 2).
#
# 1. The lock functions looked up `pg_class` without a schema, and PostgreSQL
#    searches a session's temporary tables first: a temporary `pg_class`
#    naming the app's role as the owner opened key rotation's path (0011) to
#    it. Every function now runs with a fixed search_path (pg_catalog, this
#    app's schema, pg_temp last) and names what it reads with its schema.
#    accounts' audit function is redefined here too (this app depends on
#    accounts); coaching 0019 does the same for coaching's.
# 2. The app's role may not create temporary tables at all: TEMPORARY on the
#    database is taken from PUBLIC and from the app's role.
# 3. A signed note's session row keeps what was signed and what a claim
#    says of it: who (client, coach), when (booked and actual times), the
#    time spent that makes the units, how and where (modality, place), the
#    code, the programme, the group and the status. Everything else (the
#    note's state, the calendar's sequence, the coach's private agenda, the
#    encrypted places under key rotation) still changes. Time spent is
#    corrected by a signed addendum, never on the row.
#
# Frozen: the SQL is written out here. The reverse drops the session lock,
# gives TEMPORARY back to PUBLIC and unsets the search_path (the bodies keep
# their qualified names, which mean the same).

PATH = "SET search_path = pg_catalog, public, pg_temp"

OWNER = (
    "pg_catalog.pg_has_role(current_user,"
    " (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'MEMBER')"
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION public.accounts_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION public.sessions_log_note_locked() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
BEGIN
    IF OLD.signed_at IS NULL AND TG_OP = 'UPDATE' THEN
        RETURN NEW;  -- a draft is still being written
    END IF;
    IF OLD.signed_at IS NULL AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    -- Key rotation, by the tables' owner only, may rewrite the ciphertext
    -- columns (the trigger's arguments); every other column must stay as it was.
    IF TG_OP = 'UPDATE'
       AND pg_catalog.current_setting('coaching.rotating_keys', true) = 'on'
       AND {owner}
       AND pg_catalog.to_jsonb(NEW) - TG_ARGV = pg_catalog.to_jsonb(OLD) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a signed note cannot be changed or deleted (% refused); add an addendum', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION public.sessions_log_append_only() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND TG_NARGS > 0
       AND pg_catalog.current_setting('coaching.rotating_keys', true) = 'on'
       AND {owner}
       AND pg_catalog.to_jsonb(NEW) - TG_ARGV = pg_catalog.to_jsonb(OLD) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

FUNCTIONS = FUNCTIONS.format(path=PATH, owner=OWNER)

FUNCTIONS_BACK = """
ALTER FUNCTION public.accounts_auditevent_append_only() RESET search_path;
ALTER FUNCTION public.sessions_log_note_locked() RESET search_path;
ALTER FUNCTION public.sessions_log_append_only() RESET search_path;
"""

# What was signed; the trigger runs only when one of them changes.
SIGNED_COLUMNS = [
    "client_id",
    "coach_id",
    "starts_at",
    "ends_at",
    "actual_start",
    "minutes_spent",
    "modality",
    "place_type",
    "service_code_id",
    "funding_programme_id",
    "session_group_id",
    "status",
]

SESSION_LOCK = """
CREATE FUNCTION public.sessions_log_session_locked() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.sessions_log_note n
                WHERE n.session_id = OLD.id AND n.signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the session of a signed note keeps what was signed: who, when, the time spent, the code and programme (% refused); correct the time spent with an addendum', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER sessions_log_session_locked
BEFORE UPDATE ON public.sessions_log_session
FOR EACH ROW
WHEN (({old}) IS DISTINCT FROM ({new}))
EXECUTE FUNCTION public.sessions_log_session_locked();
"""

SESSION_LOCK = SESSION_LOCK.format(
    path=PATH,
    old=", ".join(f"OLD.{column}" for column in SIGNED_COLUMNS),
    new=", ".join(f"NEW.{column}" for column in SIGNED_COLUMNS),
)

SESSION_LOCK_BACK = """
DROP TRIGGER IF EXISTS sessions_log_session_locked ON public.sessions_log_session;
DROP FUNCTION IF EXISTS public.sessions_log_session_locked();
"""


def _temporary(schema_editor, verb: str) -> None:
    """TEMPORARY on this database: taken from (or given back to) PUBLIC and
    the app's role. Going forward, refuses if the app's role keeps it (the
    migrating role must own the database to take it)."""
    connection = schema_editor.connection
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_user")
        database, owner = cursor.fetchone()
        quote = schema_editor.quote_name
        grantees = ["PUBLIC"]
        cursor.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", [role or ""])
        if role and role != owner and cursor.fetchone():
            grantees.append(quote(role))
        if verb == "GRANT":
            cursor.execute(f"GRANT TEMPORARY ON DATABASE {quote(database)} TO PUBLIC")
            return
        for grantee in grantees:
            cursor.execute(f"REVOKE TEMPORARY ON DATABASE {quote(database)} FROM {grantee}")
        if len(grantees) > 1:
            cursor.execute(
                "SELECT pg_catalog.has_database_privilege(%s, current_database(), 'TEMPORARY')",
                [role],
            )
            if cursor.fetchone()[0]:
                raise RuntimeError(
                    f"The app's role {role} may still create temporary tables in {database}: "
                    f"migrate as the database's owner, or have it run "
                    f"REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC, {role}."
                )


def revoke_temporary(apps, schema_editor):
    _temporary(schema_editor, "REVOKE")


def grant_temporary(apps, schema_editor):
    _temporary(schema_editor, "GRANT")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_payer_identity_claim_fields"),
        ("sessions_log", "0015_session_groups"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, FUNCTIONS_BACK),
        migrations.RunSQL(SESSION_LOCK, SESSION_LOCK_BACK),
        migrations.RunPython(revoke_temporary, grant_temporary),
    ]
