# The review queue's index made covering (issue 30 point 4): for each of the
# team's clients the waiting notes' id, coach, start and waiting time come
# from the partial index alone, an index-only scan, instead of a heap visit
# a note. Built concurrently, the new one before the old one goes, so no
# statement is ever left without.

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
    ]
