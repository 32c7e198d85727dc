import django.core.validators
from django.db import migrations

import accounts.fields

# Everything people write is encrypted at rest: the session's place, video
# link, private agenda and cancel reason, the note's goals and next steps, and
# the supervisor's review comment join the narrative, the client's words and
# addenda as EncryptedTextField.
#
# 1. The lock triggers (0004) learn which columns key rotation may rewrite:
#    the ciphertext columns, named as the triggers' arguments. Under
#    `coaching.rotating_keys` an UPDATE of a signed note, an addendum or a
#    review passes only if every other column, including any added later, is
#    unchanged. 0004 let no review change, and kept a signed note's goals and
#    next steps fixed even while rotating: both are ciphertext now.
# 2. The columns become text (ciphertext is longer than the plain text).
# 3. Existing rows are encrypted here, signed notes through the rotation path.
#
# Frozen: the SQL is written out below. The one live import is
# common.crypto.encrypt/decrypt, the bottom layer's Fernet over
# settings.FIELD_ENCRYPTION_KEYS: a stable module the encrypted fields
# themselves rely on; the ciphertext must be what the application reads.

TRIGGERS = """
CREATE OR REPLACE FUNCTION sessions_log_note_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NULL AND TG_OP = 'UPDATE' THEN
        RETURN NEW;  -- a draft is still being written
    END IF;
    IF OLD.signed_at IS NULL AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    -- Key rotation may rewrite the ciphertext columns (the trigger's
    -- arguments); every other column must stay as it was.
    IF TG_OP = 'UPDATE'
       AND current_setting('coaching.rotating_keys', true) = 'on'
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
       AND current_setting('coaching.rotating_keys', true) = 'on'
       AND to_jsonb(NEW) - TG_ARGV = to_jsonb(OLD) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER sessions_log_note_locked ON sessions_log_note;
CREATE TRIGGER sessions_log_note_locked
BEFORE UPDATE OR DELETE ON sessions_log_note
FOR EACH ROW EXECUTE FUNCTION sessions_log_note_locked(
    'narrative', 'client_words', 'goals', 'next_steps'
);

DROP TRIGGER sessions_log_addendum_append_only ON sessions_log_addendum;
CREATE TRIGGER sessions_log_addendum_append_only
BEFORE UPDATE OR DELETE ON sessions_log_addendum
FOR EACH ROW EXECUTE FUNCTION sessions_log_append_only('text');

DROP TRIGGER sessions_log_notereview_append_only ON sessions_log_notereview;
CREATE TRIGGER sessions_log_notereview_append_only
BEFORE UPDATE OR DELETE ON sessions_log_notereview
FOR EACH ROW EXECUTE FUNCTION sessions_log_append_only('comment');
"""

# Back to 0004's triggers, word for word.
TRIGGERS_0004 = """
CREATE OR REPLACE FUNCTION sessions_log_note_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NULL AND TG_OP = 'UPDATE' THEN
        RETURN NEW;  -- a draft is still being written
    END IF;
    IF OLD.signed_at IS NULL AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE'
       AND current_setting('coaching.rotating_keys', true) = 'on'
       AND (NEW.id, NEW.session_id, NEW.author_id, NEW.services, NEW.goals, NEW.next_steps,
            NEW.created_at, NEW.updated_at, NEW.signed_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.session_id, OLD.author_id, OLD.services, OLD.goals, OLD.next_steps,
            OLD.created_at, OLD.updated_at, OLD.signed_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a signed note cannot be changed or deleted (% refused); add an addendum', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND TG_TABLE_NAME = 'sessions_log_addendum'
       AND current_setting('coaching.rotating_keys', true) = 'on'
       AND (NEW.id, NEW.note_id, NEW.author_id, NEW.signed_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.note_id, OLD.author_id, OLD.signed_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER sessions_log_note_locked ON sessions_log_note;
CREATE TRIGGER sessions_log_note_locked
BEFORE UPDATE OR DELETE ON sessions_log_note
FOR EACH ROW EXECUTE FUNCTION sessions_log_note_locked();

DROP TRIGGER sessions_log_addendum_append_only ON sessions_log_addendum;
CREATE TRIGGER sessions_log_addendum_append_only
BEFORE UPDATE OR DELETE ON sessions_log_addendum
FOR EACH ROW EXECUTE FUNCTION sessions_log_append_only();

DROP TRIGGER sessions_log_notereview_append_only ON sessions_log_notereview;
CREATE TRIGGER sessions_log_notereview_append_only
BEFORE UPDATE OR DELETE ON sessions_log_notereview
FOR EACH ROW EXECUTE FUNCTION sessions_log_append_only();
"""

# The columns that were plain text until this migration, per table.
NEWLY_ENCRYPTED = {
    "sessions_log_session": ("location", "video_url", "agenda", "cancel_reason"),
    "sessions_log_note": ("goals", "next_steps"),
    "sessions_log_notereview": ("comment",),
}
BATCH = 500


def _rewrite(schema_editor, convert) -> None:
    """Every non-empty value of NEWLY_ENCRYPTED through `convert`, in batches,
    with the lock triggers told that only these columns change."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('coaching.rotating_keys', 'on', true)")
        for table, columns in NEWLY_ENCRYPTED.items():
            holds_text = " OR ".join(f"{column} <> ''" for column in columns)
            assignments = ", ".join(f"{column} = %s" for column in columns)
            last = 0
            while True:
                cursor.execute(
                    f"SELECT id, {', '.join(columns)} FROM {table} "  # noqa: S608 - constants
                    f"WHERE id > %s AND ({holds_text}) ORDER BY id LIMIT {BATCH} FOR UPDATE",
                    [last],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                cursor.executemany(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 - constants
                    [
                        [convert(value) if value else value for value in values] + [key]
                        for key, *values in rows
                    ],
                )
                last = rows[-1][0]
        cursor.execute("SELECT set_config('coaching.rotating_keys', 'off', true)")


def encrypt_existing(apps, schema_editor):
    from common.crypto import encrypt  # stable bottom-layer module (see above)

    _rewrite(schema_editor, encrypt)


def decrypt_existing(apps, schema_editor):
    from common.crypto import decrypt  # stable bottom-layer module (see above)

    _rewrite(schema_editor, decrypt)


class Migration(migrations.Migration):
    dependencies = [("sessions_log", "0009_checkin_reminder")]

    operations = [
        migrations.RunSQL(TRIGGERS, TRIGGERS_0004),
        migrations.AlterField(
            model_name="note",
            name="goals",
            field=accounts.fields.EncryptedTextField(
                blank=True, max_length=2000, verbose_name="Goals worked on (in the client's words)"
            ),
        ),
        migrations.AlterField(
            model_name="note",
            name="next_steps",
            field=accounts.fields.EncryptedTextField(
                blank=True, max_length=2000, verbose_name="Next steps (the client sees these)"
            ),
        ),
        migrations.AlterField(
            model_name="notereview",
            name="comment",
            field=accounts.fields.EncryptedTextField(blank=True, max_length=2000),
        ),
        migrations.AlterField(
            model_name="session",
            name="agenda",
            field=accounts.fields.EncryptedTextField(blank=True, max_length=2000),
        ),
        migrations.AlterField(
            model_name="session",
            name="cancel_reason",
            field=accounts.fields.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="session",
            name="location",
            field=accounts.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="session",
            name="video_url",
            field=accounts.fields.EncryptedTextField(
                blank=True, max_length=500, validators=[django.core.validators.URLValidator()]
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
