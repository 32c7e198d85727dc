# A covering index for the access policy's joins (issue 30 point 4): the
# everyday pages' statements check each relationship's client (role) and
# coach (role, team) and list names; from (id) INCLUDE (role, team_id,
# display_name) those are index-only scans instead of a visit to each
# person's row (the review queue: 1,500 of its 2,700 buffers). Built
# concurrently.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0015_covering_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=models.Index(
                fields=["id"], include=["role", "team", "display_name"], name="user_policy_cover"
            ),
        ),
    ]
