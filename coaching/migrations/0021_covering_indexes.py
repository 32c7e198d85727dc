# Covering indexes replacing the ones they extend (issue 30 point 4): the
# check-in score and id beside (assignment, created_at) for the coach home's
# newest scores per relationship (ordered by created_at, id) and beside (coach, created_at) for the team
# dashboard's trust column; the step's state beside the coaches' suggested
# steps for the dashboard's "tried" share. Index-only scans. Built
# concurrently, each new one before the old one goes.
#
# Depends on 0019: 0020 (maintained figures) is another branch's; the merge
# puts this one after it.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("coaching", "0020_maintained_figures"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="checkin",
            index=models.Index(
                fields=["assignment", "created_at"],
                include=["score", "id"],
                name="checkin_assignment_cover_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="checkin", name="coaching_ch_assignm_aaea56_idx"),
        AddIndexConcurrently(
            model_name="checkin",
            index=models.Index(
                fields=["coach", "created_at"], include=["score"], name="checkin_coach_cover_idx"
            ),
        ),
        RemoveIndexConcurrently(model_name="checkin", name="coaching_ch_coach_i_87204c_idx"),
        AddIndexConcurrently(
            model_name="step",
            index=models.Index(
                fields=["coach", "created_at"],
                include=["state"],
                condition=Q(suggested_by="coach"),
                name="plan_step_suggested_cover",
            ),
        ),
        RemoveIndexConcurrently(model_name="step", name="plan_step_coach_suggested_idx"),
    ]
