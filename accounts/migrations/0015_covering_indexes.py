# A covering index replacing the one it extends (issue 30 point 4): a coach's
# active relationships with since when they started, from
# (coach, client) INCLUDE (started_at) WHERE ended_at IS NULL alone: the team
# dashboard's caseload figures. Built concurrently, the new one before the
# old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0014_audit_client_ids"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="caseloadassignment",
            index=models.Index(
                fields=["coach", "client"],
                include=["started_at"],
                condition=Q(ended_at__isnull=True),
                name="assignment_active_coach_cover",
            ),
        ),
        RemoveIndexConcurrently(model_name="caseloadassignment", name="assignment_active_by_coach"),
    ]
