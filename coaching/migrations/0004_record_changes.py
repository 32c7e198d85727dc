from django.db import migrations

from accounts import record_changes

TABLES = (
    "coaching_checkin",
    "coaching_checkinrequest",
    "coaching_trustflag",
    "coaching_supervisorrequest",
)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_record_change"),
        ("coaching", "0003_review_indexes"),
    ]

    operations = [
        migrations.RunSQL(record_changes.attach(table), record_changes.detach(table))
        for table in TABLES
    ]
