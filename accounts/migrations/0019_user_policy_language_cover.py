# The policy's covering index on people, with the language the coach home,
# coach detail and client pages now show beside each client's name: still
# an index-only scan per person. Built concurrently, the new one before the
# old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0018_language"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=models.Index(
                fields=["id"],
                include=["role", "team", "display_name", "language"],
                name="user_policy_language_cover",
            ),
        ),
        RemoveIndexConcurrently(model_name="user", name="user_policy_cover"),
    ]
