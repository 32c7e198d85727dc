import django.db.models.functions.datetime
from django.db import migrations, models


# The triggers that filled this table (for a per-session page cache) were
# removed with the cache: 0004 drops them, the functions and the table from
# databases that ran an earlier version of this migration. A fresh database
# never creates them. The model state stays so that 0004 can delete it.
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
    ]
