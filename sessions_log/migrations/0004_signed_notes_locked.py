from django.db import migrations

# Postgres itself keeps signed notes, addenda and reviews as they were written,
# whatever client sends the SQL. The one exception is key rotation
# (`manage.py rotate_keys`), which sets `coaching.rotating_keys` for its own
# transaction and may then rewrite only the ciphertext columns.
CREATE = """
CREATE FUNCTION sessions_log_note_locked() RETURNS trigger AS $$
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

CREATE TRIGGER sessions_log_note_locked
BEFORE UPDATE OR DELETE ON sessions_log_note
FOR EACH ROW EXECUTE FUNCTION sessions_log_note_locked();

CREATE FUNCTION sessions_log_append_only() RETURNS trigger AS $$
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

CREATE TRIGGER sessions_log_addendum_append_only
BEFORE UPDATE OR DELETE ON sessions_log_addendum
FOR EACH ROW EXECUTE FUNCTION sessions_log_append_only();

CREATE TRIGGER sessions_log_notereview_append_only
BEFORE UPDATE OR DELETE ON sessions_log_notereview
FOR EACH ROW EXECUTE FUNCTION sessions_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS sessions_log_notereview_append_only ON sessions_log_notereview;
DROP TRIGGER IF EXISTS sessions_log_addendum_append_only ON sessions_log_addendum;
DROP FUNCTION IF EXISTS sessions_log_append_only();
DROP TRIGGER IF EXISTS sessions_log_note_locked ON sessions_log_note;
DROP FUNCTION IF EXISTS sessions_log_note_locked();
"""


class Migration(migrations.Migration):
    dependencies = [("sessions_log", "0003_notes")]

    operations = [migrations.RunSQL(CREATE, DROP)]
