# The staff's ids in a partial index of their own, so that a check that a
# person is a client reads a small index (and finds nothing) instead of the
# person's row. Built concurrently.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0020_assignment_active_by_coach"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=models.Index(
                condition=models.Q(("role", "client"), _negated=True),
                fields=["id"],
                name="user_staff_ids",
            ),
        ),
    ]
