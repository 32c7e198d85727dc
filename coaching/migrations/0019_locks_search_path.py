from django.db import migrations

# Locks nobody can get round (issue 29, point 2), as sessions_log 0016 does
# for its own and accounts' functions: every lock function of this app runs
# with a fixed search_path (pg_catalog, this app's schema, pg_temp last) and
# names what it reads with its schema. A temporary `pg_class` (the owner check
# of key rotation's path) or `sessions_log_note` (whether a note's goals are
# still a draft's) made by the app's role once decided what these functions
# saw; now they see the catalog and the app's tables whatever the session
# creates. The triggers themselves (and their arguments) stay as they are.
#
# Frozen: the SQL is written out here (0007, 0016 and 0017's functions, the
# names qualified). The reverse unsets the search_path (the bodies keep their
# qualified names, which mean the same).

PATH = "SET search_path = pg_catalog, public, pg_temp"

REVOKED = (
    "ARRAY['revoked_at', 'revoked_by_id', 'revoked_how', 'revocation_received_on',"
    " 'revocation_medium', 'revocation_note']"
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION public.coaching_rotating_only(
    old_row jsonb, new_row jsonb, columns text[], relid oid
) RETURNS boolean LANGUAGE sql STABLE {path} AS $$
    SELECT pg_catalog.current_setting('coaching.rotating_keys', true) = 'on'
       AND pg_catalog.pg_has_role(
               current_user,
               (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = relid),
               'MEMBER')
       AND new_row - columns = old_row - columns;
$$;

CREATE OR REPLACE FUNCTION public.coaching_plan_version_locked() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
BEGIN
    IF OLD.agreed_at IS NULL THEN
        -- a draft: still being written and signed
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND public.coaching_rotating_only(
               pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW), TG_ARGV, TG_RELID) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an agreed plan version cannot be changed or deleted (% refused); change the plan to start a new draft', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION public.coaching_append_only() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0
       AND public.coaching_rotating_only(
               pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW), TG_ARGV, TG_RELID) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION public.coaching_note_goal_locked() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
DECLARE
    note_signed boolean;
BEGIN
    SELECT n.signed_at IS NOT NULL INTO note_signed FROM public.sessions_log_note n
     WHERE n.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.note_id ELSE OLD.note_id END;
    IF TG_OP = 'UPDATE' AND NOT note_signed THEN
        SELECT n.signed_at IS NOT NULL INTO note_signed FROM public.sessions_log_note n
         WHERE n.id = NEW.note_id;
    END IF;
    IF NOT coalesce(note_signed, false) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND public.coaching_rotating_only(
               pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW), TG_ARGV, TG_RELID) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the goals of a signed note cannot be changed (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION public.coaching_consent_locked() RETURNS trigger
    LANGUAGE plpgsql {path} AS $$
BEGIN
    IF OLD.signed_at IS NULL THEN
        -- a draft: still to be signed, or withdrawn
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF public.coaching_rotating_only(
               pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW), TG_ARGV, TG_RELID) THEN
            RETURN NEW;
        END IF;
        IF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
           AND pg_catalog.to_jsonb(NEW) - {revoked}
             = pg_catalog.to_jsonb(OLD) - {revoked} THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'a signed consent cannot be changed or deleted, only revoked once (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

FUNCTIONS = FUNCTIONS.format(path=PATH, revoked=REVOKED)

BACK = """
ALTER FUNCTION public.coaching_rotating_only(jsonb, jsonb, text[], oid) RESET search_path;
ALTER FUNCTION public.coaching_plan_version_locked() RESET search_path;
ALTER FUNCTION public.coaching_append_only() RESET search_path;
ALTER FUNCTION public.coaching_note_goal_locked() RESET search_path;
ALTER FUNCTION public.coaching_consent_locked() RESET search_path;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0018_claim_sheets"),
        ("sessions_log", "0016_locks_search_path"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, BACK)]
