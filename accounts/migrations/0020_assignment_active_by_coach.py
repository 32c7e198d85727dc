# The active relationships' covering index in the order of their kept
# figures' index, (coach, relationship), so the dashboards merge the two on
# both keys (accounts/models: CaseloadAssignment.Meta). Built concurrently,
# the new one before the old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0019_user_policy_language_cover"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="caseloadassignment",
            index=models.Index(
                fields=["coach", "id"],
                include=["client", "started_at"],
                condition=Q(ended_at__isnull=True),
                name="assignment_active_by_coach",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="caseloadassignment", name="assignment_active_coach_ids"
        ),
    ]
