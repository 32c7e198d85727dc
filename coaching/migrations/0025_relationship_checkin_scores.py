# Each relationship's figures keep its newest check-in scores (oldest
# first, as the sparklines draw them) and its last check-in's time, filled
# here from the check-ins. The coach home and coach detail then read them
# with the relationship's row, not a walk of its check-ins per row shown.
# Frozen: the SQL is written out here (what coaching/services/
# figures_recompute.py's recompute says of these two today); the number of
# scores is the setting's when this runs, as the services keep it.

import django.contrib.postgres.fields
from django.conf import settings
from django.db import migrations, models

FILL = """
UPDATE coaching_relationshipfigures f
SET checkin_scores = coalesce(
        (SELECT array_agg(k.score ORDER BY k.created_at, k.id)
         FROM (SELECT ci.score, ci.created_at, ci.id FROM coaching_checkin ci
               WHERE ci.assignment_id = f.assignment_id
               ORDER BY ci.created_at DESC, ci.id DESC LIMIT %s) k),
        '{}'),
    last_checkin_at = (SELECT max(ci.created_at) FROM coaching_checkin ci
                       WHERE ci.assignment_id = f.assignment_id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0024_relationship_last_attempt"),
    ]

    operations = [
        migrations.AddField(
            model_name="relationshipfigures",
            name="checkin_scores",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.PositiveSmallIntegerField(), default=list
            ),
        ),
        migrations.AddField(
            model_name="relationshipfigures",
            name="last_checkin_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL([(FILL, [settings.TRUST_SPARKLINE_POINTS])], migrations.RunSQL.noop),
    ]
