import django.db.models.functions.datetime
from django.db import migrations, models

from accounts import record_changes


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_append_only")]

    operations = [
        migrations.CreateModel(
            name="RecordChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("person_id", models.BigIntegerField()),
                (
                    "at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["person_id", "-id"], name="record_change_newest")],
            },
        ),
        migrations.RunSQL(record_changes.FUNCTION, record_changes.DROP_FUNCTION),
        migrations.RunSQL(
            record_changes.attach("accounts_caseloadassignment"),
            record_changes.detach("accounts_caseloadassignment"),
        ),
        migrations.RunSQL(
            record_changes.attach("accounts_invitation"),
            record_changes.detach("accounts_invitation"),
        ),
    ]
