from django.db import migrations

# The per-session page cache is gone, and with it what it kept in PostgreSQL:
# the trigger functions (CASCADE drops every trigger that calls them, on all
# the tables the earlier 0003/coaching 0004/sessions_log 0008 attached them
# to) and the table they filled. IF EXISTS: a database created after the
# cache was removed never had them.
DROP_SQL = """
DROP FUNCTION IF EXISTS record_change() CASCADE;
DROP FUNCTION IF EXISTS record_person_change() CASCADE;
DROP FUNCTION IF EXISTS record_person_created() CASCADE;
DROP FUNCTION IF EXISTS record_team_change() CASCADE;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_record_change")]

    operations = [
        migrations.RunSQL(DROP_SQL, migrations.RunSQL.noop),
        migrations.DeleteModel(name="RecordChange"),
    ]
