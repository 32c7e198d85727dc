# A covering index replacing the one it extends (issue 30 point 4): the
# relationship's id beside its start, so a coach's active relationships are
# joined to their kept figures (coaching 0022) from the index alone. Built
# concurrently, the new one before the old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0016_user_policy_cover"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="caseloadassignment",
            index=models.Index(
                fields=["coach", "client"],
                include=["started_at", "id"],
                condition=Q(ended_at__isnull=True),
                name="assignment_active_coach_ids",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="caseloadassignment", name="assignment_active_coach_cover"
        ),
    ]
