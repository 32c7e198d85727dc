import django.utils.timezone
from django.db import migrations, models

# The sessions page (address, browser, started, last active) reads the
# session's own row: allauth's usersessions app, which kept every session's
# key in the clear, is no longer installed (issue 29, point 1). What its
# rows said is copied onto the sessions they describe (matched by the key's
# digest), then its table is dropped, so no raw key stays in the database.
# Going back keeps the new columns' removal only: the keys are gone.
COPY_AND_DROP = """
DO $$
BEGIN
    IF to_regclass('usersessions_usersession') IS NOT NULL THEN
        UPDATE accounts_loginsession s
        SET ip = u.ip, user_agent = left(u.user_agent, 200),
            created_at = u.created_at, last_seen_at = u.last_seen_at
        FROM usersessions_usersession u
        WHERE s.session_key = encode(sha256(convert_to(u.session_key, 'UTF8')), 'hex');
    END IF;
END
$$;
DROP TABLE IF EXISTS usersessions_usersession;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_organisation_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="loginsession",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="started"),
        ),
        migrations.AddField(
            model_name="loginsession",
            name="ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="address"),
        ),
        migrations.AddField(
            model_name="loginsession",
            name="last_seen_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="last active"
            ),
        ),
        migrations.AddField(
            model_name="loginsession",
            name="user_agent",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="browser"),
        ),
        migrations.RunSQL(COPY_AND_DROP, migrations.RunSQL.noop),
    ]
