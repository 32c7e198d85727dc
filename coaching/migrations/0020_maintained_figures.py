# Figures kept where pages sum history (issue 30, point 5): per relationship
# (plan agreed at, last contact at) and per coach and day in the
# organisation's calendar (completed, no-shows, check-ins and their score
# sum). The services keep them from here on (coaching/services/figures.py);
# this fills them from the history already there.
#
# Frozen: the SQL is written out here (what coaching/services/figures.py's
# recompute statements said when this was written). The zone is the
# organisation's (TIME_ZONE) at migrate time; the nightly check repairs the
# figures if it changes later.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FILL_COACH_DAYS = """
INSERT INTO coaching_coachdayfigures
    (coach_id, day, completed, no_shows, checkins, checkin_score_sum)
SELECT coalesce(s.coach_id, c.coach_id), coalesce(s.day, c.day),
       coalesce(s.completed, 0), coalesce(s.no_shows, 0),
       coalesce(c.checkins, 0), coalesce(c.score_sum, 0)
FROM (
    SELECT coach_id, (starts_at AT TIME ZONE %(zone)s)::date AS day,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'no_show') AS no_shows
    FROM sessions_log_session
    WHERE status IN ('completed', 'no_show')
    GROUP BY 1, 2
) s
FULL JOIN (
    SELECT coach_id, (created_at AT TIME ZONE %(zone)s)::date AS day,
           count(*) AS checkins, sum(score) AS score_sum
    FROM coaching_checkin
    GROUP BY 1, 2
) c ON c.coach_id = s.coach_id AND c.day = s.day
"""

FILL_RELATIONSHIPS = """
INSERT INTO coaching_relationshipfigures (assignment_id, plan_agreed_at, last_contact_at)
SELECT a.id, p.last_agreed_at,
       GREATEST(
           (SELECT max(s.ends_at) FROM sessions_log_session s
            WHERE s.client_id = a.client_id AND s.coach_id = a.coach_id
              AND s.status = 'completed'),
           (SELECT max(o.at) FROM coaching_outreachattempt o
            WHERE o.client_id = a.client_id AND o.outcome = 'reached')
       )
FROM accounts_caseloadassignment a
LEFT JOIN coaching_plan p ON p.client_id = a.client_id
"""


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL_COACH_DAYS, {"zone": settings.TIME_ZONE})
        cursor.execute(FILL_RELATIONSHIPS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_audit_client_ids"),
        ("coaching", "0019_locks_search_path"),
        ("sessions_log", "0016_locks_search_path"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RelationshipFigures",
            fields=[
                (
                    "assignment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="figures",
                        serialize=False,
                        to="accounts.caseloadassignment",
                    ),
                ),
                ("plan_agreed_at", models.DateTimeField(blank=True, null=True)),
                ("last_contact_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="CoachDayFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("completed", models.PositiveIntegerField(default=0)),
                ("no_shows", models.PositiveIntegerField(default=0)),
                ("checkins", models.PositiveIntegerField(default=0)),
                ("checkin_score_sum", models.PositiveIntegerField(default=0)),
                (
                    "coach",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("coach", "day"), name="coach_day_figures_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
