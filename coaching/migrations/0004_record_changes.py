from django.db import migrations

# This migration attached the per-session page cache's triggers to this app's
# tables. The cache is gone: accounts 0004 drops the triggers (with their
# function) from databases that ran an earlier version of this migration,
# and a fresh database never creates them.


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_record_change"),
        ("coaching", "0003_review_indexes"),
    ]

    operations = []
