from django.db import migrations

# Key rotation may rewrite a signed note's, an addendum's or a review's
# ciphertext columns (0010). Setting `coaching.rotating_keys` is open to any
# session, so that alone must not open the path: only a role that owns the
# table (or is a member of its owner, which includes a superuser) may take
# it. The app connects as a role that owns nothing (common/database.py);
# `rotate_keys` runs as the owner.
#
# Frozen: 0010's functions with the owner check added; the reverse restores
# 0010's text.

OWNER = "pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"

FUNCTIONS = """
CREATE OR REPLACE FUNCTION sessions_log_note_locked() RETURNS trigger AS $$
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
       AND current_setting('coaching.rotating_keys', true) = 'on'{owner}
       AND to_jsonb(NEW) - TG_ARGV = to_jsonb(OLD) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a signed note cannot be changed or deleted (% refused); add an addendum', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND TG_NARGS > 0
       AND current_setting('coaching.rotating_keys', true) = 'on'{owner}
       AND to_jsonb(NEW) - TG_ARGV = to_jsonb(OLD) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("sessions_log", "0010_encrypt_free_text")]

    operations = [
        migrations.RunSQL(
            FUNCTIONS.format(owner=f"\n       AND {OWNER}"), FUNCTIONS.format(owner="")
        )
    ]
