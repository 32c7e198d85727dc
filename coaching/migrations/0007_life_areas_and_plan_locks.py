from django.db import migrations

# 1. The life areas a goal sits in, to start with; admins edit the list.
# 2. PostgreSQL keeps an agreed plan as it was agreed, whatever client sends
#    the SQL, as it does a signed note (sessions_log 0004, 0010, 0011):
#    - an agreed version (coaching_planversion with agreed_at set) and the
#      goals and steps copied into it (coaching_agreedgoal, _agreedstep)
#      refuse UPDATE and DELETE;
#    - the goals a note records (coaching_notegoal) are part of the note:
#      fixed once it is signed, for INSERT, UPDATE and DELETE;
#    - who changed what in a plan (coaching_planchange) is append-only.
#    Key rotation, by the tables' owner only and under the transaction-local
#    setting `coaching.rotating_keys`, may rewrite the ciphertext columns
#    (the triggers' arguments) and nothing else.
#
# Frozen: the SQL is written out here.

AREAS = [
    "Housing",
    "Work or study",
    "Health",
    "Relationships",
    "Supports",
    "Daily living",
]

CREATE = """
CREATE FUNCTION coaching_rotating_only(old_row jsonb, new_row jsonb, columns text[], relid oid)
RETURNS boolean AS $$
    SELECT current_setting('coaching.rotating_keys', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = relid), 'MEMBER')
       AND new_row - columns = old_row - columns;
$$ LANGUAGE sql STABLE;

CREATE FUNCTION coaching_plan_version_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.agreed_at IS NULL THEN
        -- a draft: still being written and signed
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND coaching_rotating_only(to_jsonb(OLD), to_jsonb(NEW), TG_ARGV, TG_RELID) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an agreed plan version cannot be changed or deleted (% refused); change the plan to start a new draft', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER coaching_plan_version_locked
BEFORE UPDATE OR DELETE ON coaching_planversion
FOR EACH ROW EXECUTE FUNCTION coaching_plan_version_locked();

CREATE FUNCTION coaching_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0
       AND coaching_rotating_only(to_jsonb(OLD), to_jsonb(NEW), TG_ARGV, TG_RELID) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER coaching_agreedgoal_append_only
BEFORE UPDATE OR DELETE ON coaching_agreedgoal
FOR EACH ROW EXECUTE FUNCTION coaching_append_only('words', 'why');

CREATE TRIGGER coaching_agreedstep_append_only
BEFORE UPDATE OR DELETE ON coaching_agreedstep
FOR EACH ROW EXECUTE FUNCTION coaching_append_only('action');

CREATE TRIGGER coaching_planchange_append_only
BEFORE UPDATE OR DELETE ON coaching_planchange
FOR EACH ROW EXECUTE FUNCTION coaching_append_only();

CREATE FUNCTION coaching_note_goal_locked() RETURNS trigger AS $$
DECLARE
    note_signed boolean;
BEGIN
    SELECT signed_at IS NOT NULL INTO note_signed FROM sessions_log_note
     WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.note_id ELSE OLD.note_id END;
    IF TG_OP = 'UPDATE' AND NOT note_signed THEN
        SELECT signed_at IS NOT NULL INTO note_signed FROM sessions_log_note WHERE id = NEW.note_id;
    END IF;
    IF NOT coalesce(note_signed, false) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND coaching_rotating_only(to_jsonb(OLD), to_jsonb(NEW), TG_ARGV, TG_RELID) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the goals of a signed note cannot be changed (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER coaching_note_goal_locked
BEFORE INSERT OR UPDATE OR DELETE ON coaching_notegoal
FOR EACH ROW EXECUTE FUNCTION coaching_note_goal_locked('words');
"""

DROP = """
DROP TRIGGER IF EXISTS coaching_note_goal_locked ON coaching_notegoal;
DROP FUNCTION IF EXISTS coaching_note_goal_locked();
DROP TRIGGER IF EXISTS coaching_planchange_append_only ON coaching_planchange;
DROP TRIGGER IF EXISTS coaching_agreedstep_append_only ON coaching_agreedstep;
DROP TRIGGER IF EXISTS coaching_agreedgoal_append_only ON coaching_agreedgoal;
DROP FUNCTION IF EXISTS coaching_append_only();
DROP TRIGGER IF EXISTS coaching_plan_version_locked ON coaching_planversion;
DROP FUNCTION IF EXISTS coaching_plan_version_locked();
DROP FUNCTION IF EXISTS coaching_rotating_only(jsonb, jsonb, text[], oid);
"""


def seed_areas(apps, schema_editor):
    LifeArea = apps.get_model("coaching", "LifeArea")
    for position, name in enumerate(AREAS):
        LifeArea.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("coaching", "0006_recovery_plans")]

    operations = [
        migrations.RunPython(seed_areas, migrations.RunPython.noop),
        migrations.RunSQL(CREATE, DROP),
    ]
