# A coach's notes to write, made covering (issue 30 point 4): the coach's
# page reads the overdue ones (id, client, start) and the coach home the
# oldest few from the partial index alone, an index-only scan, instead of a
# heap visit a note (the coach's page: 300 of its 1,060 buffers). Built
# concurrently, the new one before the old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sessions_log", "0018_review_queue_cover"),
    ]

    operations = [
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
