# A covering index replacing the one it extends (issue 30 point 4): the team
# dashboard counts each coach's sessions of 30 days by status from
# (coach, starts_at) INCLUDE (status) alone, an index-only scan. Every other
# reader of (coach, starts_at) keeps the same keys. Built concurrently, the
# new one before the old one goes, so no statement is ever left without.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sessions_log", "0016_locks_search_path"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="session",
            index=models.Index(
                fields=["coach", "starts_at"], include=["status"], name="session_coach_starts_idx"
            ),
        ),
        RemoveIndexConcurrently(model_name="session", name="sessions_lo_coach_i_db5590_idx"),
    ]
