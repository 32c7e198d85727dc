import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Sessions move to accounts_loginsession with their person's id as a column;
# the signed-in stay signed in (their person is filled in at the session's
# next write; until then it is loaded on its own), and the old table is
# emptied so no copy of a session stays behind.
MOVE_SESSIONS = """
INSERT INTO accounts_loginsession (session_key, session_data, expire_date)
SELECT session_key, session_data, expire_date FROM django_session WHERE expire_date > now();
DELETE FROM django_session;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_audit_indexes_without_duplicates"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                (
                    "expire_date",
                    models.DateTimeField(db_index=True, verbose_name="expire date"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunSQL(MOVE_SESSIONS, migrations.RunSQL.noop),
    ]
