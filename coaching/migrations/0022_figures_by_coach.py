# Covering indexes for the kept figures (issue 30 point 4), so the dashboards
# and the coach home read a coach's figures as one range of an index, not a
# look-up by key per relationship:
# - each relationship's figures carry its coach (filled here from the
#   relationship; the services and the repair write it from now on), with
#   (coach, assignment) INCLUDE (plan_agreed_at, last_contact_at);
# - a coach's days: the unique (coach, day) index now also holds the counts
#   (and the index on the coach alone goes: the unique one leads with it).
# Built concurrently, each new index before the old one goes.

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

FILL_COACH = """
UPDATE coaching_relationshipfigures f
SET coach_id = a.coach_id
FROM accounts_caseloadassignment a
WHERE a.id = f.assignment_id
"""

COUNTS = "completed, no_shows, checkins, checkin_score_sum"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0017_assignment_active_coach_ids"),
        ("coaching", "0021_covering_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="relationshipfigures",
            name="coach",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunSQL(FILL_COACH, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="relationshipfigures",
            name="coach",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        AddIndexConcurrently(
            model_name="relationshipfigures",
            index=models.Index(
                fields=["coach", "assignment"],
                include=["plan_agreed_at", "last_contact_at"],
                name="relationship_figures_by_coach",
            ),
        ),
        migrations.AlterField(
            model_name="coachdayfigures",
            name="coach",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE UNIQUE INDEX CONCURRENTLY coach_day_figures_cover "
                    f"ON coaching_coachdayfigures (coach_id, day) INCLUDE ({COUNTS})",
                    "DROP INDEX CONCURRENTLY IF EXISTS coach_day_figures_cover",
                ),
                migrations.RunSQL(
                    "ALTER TABLE coaching_coachdayfigures DROP CONSTRAINT coach_day_figures_unique",
                    "ALTER TABLE coaching_coachdayfigures "
                    "ADD CONSTRAINT coach_day_figures_unique UNIQUE (coach_id, day)",
                ),
                migrations.RunSQL(
                    "ALTER INDEX coach_day_figures_cover RENAME TO coach_day_figures_unique",
                    "ALTER INDEX coach_day_figures_unique RENAME TO coach_day_figures_cover",
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="coachdayfigures", name="coach_day_figures_unique"
                ),
                migrations.AddConstraint(
                    model_name="coachdayfigures",
                    constraint=models.UniqueConstraint(
                        fields=["coach", "day"],
                        include=["completed", "no_shows", "checkins", "checkin_score_sum"],
                        name="coach_day_figures_unique",
                    ),
                ),
            ],
        ),
    ]
