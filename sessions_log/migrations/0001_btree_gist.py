from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):
    # The exclusion constraint that stops double-booking compares the coach
    # (a btree type) inside a GiST index.
    dependencies = []

    operations = [BtreeGistExtension()]
