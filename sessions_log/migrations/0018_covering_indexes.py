# Two partial indexes made covering (issue 30 point 4), each read from the
# index alone (an index-only scan) instead of a heap visit a row:
# - the review queue's: for each of the team's clients the waiting notes'
#   id, coach, start and waiting time (a team's queue: 1,566 -> 1,002
#   buffers);
# - a coach's notes to write: the coach's page lists the overdue ones (id,
#   client, start) and the coach home the oldest few (the coach's page:
#   1,060 -> 863 buffers).
# Built concurrently, each new one before the old one goes, so no statement
# is ever left without.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sessions_log", "0017_covering_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="session",
            index=models.Index(
                fields=["client", "note_state_at"],
                include=["id", "coach", "starts_at"],
                condition=models.Q(("note_state", "awaiting_cosign")),
                name="session_awaiting_cover_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="session", name="session_note_awaiting_idx"),
        AddIndexConcurrently(
            model_name="session",
            index=models.Index(
                fields=["coach", "ends_at"],
                include=["id", "client", "starts_at"],
                condition=models.Q(("note_state", "to_write")),
                name="session_to_write_cover_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="session", name="session_note_to_write_idx"),
    ]
