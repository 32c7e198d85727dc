# Each relationship's figures keep the client's last attempt to reach them
# (any outcome), filled here from the attempts; the pages count a quiet
# client's recent attempts only where it is recent. The covering index then
# holds it too: the new index is built concurrently before the old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

FILL = """
UPDATE coaching_relationshipfigures f
SET last_attempt_at = o.last
FROM accounts_caseloadassignment a
JOIN (
    SELECT client_id, max(at) AS last FROM coaching_outreachattempt GROUP BY client_id
) o ON o.client_id = a.client_id
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
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="relationshipfigures",
            index=models.Index(
                fields=["coach", "assignment"],
                include=("plan_agreed_at", "last_contact_at", "last_attempt_at"),
                name="relationship_figures_cover",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="relationshipfigures",
            name="relationship_figures_by_coach",
        ),
    ]
