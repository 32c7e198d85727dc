# Each relationship's figures keep its start, whether it is still active,
# and the client's last attempt to reach them (any outcome), filled here
# from the relationships and the attempts. The dashboards then read a
# coach's active relationships from one partial covering index alone (not
# joined to the assignments' own), and count a quiet client's recent
# attempts only where their last attempt is recent. The new index is built
# concurrently before the old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

FILL = """
UPDATE coaching_relationshipfigures f
SET started_at = a.started_at,
    active = a.ended_at IS NULL,
    last_attempt_at = (SELECT max(o.at) FROM coaching_outreachattempt o
                       WHERE o.client_id = a.client_id)
FROM accounts_caseloadassignment a
WHERE a.id = f.assignment_id
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("coaching", "0023_consent_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="relationshipfigures",
            name="started_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="relationshipfigures",
            name="active",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="relationshipfigures",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="relationshipfigures",
            name="started_at",
            field=models.DateTimeField(),
        ),
        AddIndexConcurrently(
            model_name="relationshipfigures",
            index=models.Index(
                condition=models.Q(active=True),
                fields=["coach", "assignment"],
                include=("started_at", "plan_agreed_at", "last_contact_at", "last_attempt_at"),
                name="relationship_figures_active",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="relationshipfigures",
            name="relationship_figures_by_coach",
        ),
    ]
