"""Group sessions (H0038-HQ): a SessionGroup ties one Session row per
client; the coach's no-double-booking constraint lets the rows of one group
share their time (the group id, else the row's own negated id, must
differ), and still refuses anything else that overlaps."""

import django.contrib.postgres.constraints
import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.comparison
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# As 0002 does: TSTZRANGE(starts_at, ends_at), a plain SQL function.
from sessions_log.models import TsTzRange


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_log", "0014_programme_places_modifiers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SessionGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="session",
            name="session_coach_not_double_booked",
        ),
        migrations.AddField(
            model_name="sessiongroup",
            name="coach",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="session_groups",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="sessiongroup",
            name="created_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="session_group",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sessions",
                to="sessions_log.sessiongroup",
            ),
        ),
        migrations.AddConstraint(
            model_name="session",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(("status", "cancelled"), _negated=True),
                expressions=[
                    ("coach", "="),
                    (TsTzRange("starts_at", "ends_at"), "&&"),
                    (
                        django.db.models.functions.comparison.Coalesce(
                            "session_group",
                            django.db.models.expressions.CombinedExpression(
                                models.F("id"), "*", models.Value(-1)
                            ),
                        ),
                        "<>",
                    ),
                ],
                name="session_coach_not_double_booked",
                violation_error_message="The coach already has a session at that time.",
            ),
        ),
    ]
