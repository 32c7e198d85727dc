"""Billing: a session's place type, service code and funding programme; a
signed note's credential, units and reason for going over the daily cap.

The lists start with what most peer support programmes bill; admins edit
them. The signed-note trigger (0010, 0011) learns the new ciphertext column,
so key rotation may rewrite it and nothing else may.

Frozen: the codes, programmes and SQL are written out here."""

import accounts.fields
import django.db.models.deletion
from django.db import migrations, models


CODES = [
    ("H0038", "", "Self-help/peer services, per 15 minutes"),
    ("H0038", "HQ", "Self-help/peer services, per 15 minutes, group setting"),
]
PROGRAMMES = [
    ("Medicaid", True),
    ("State opioid response grant", True),
    ("None", False),
]


def seed_lists(apps, schema_editor):
    ServiceCode = apps.get_model("sessions_log", "ServiceCode")
    FundingProgramme = apps.get_model("sessions_log", "FundingProgramme")
    for code, modifiers, description in CODES:
        ServiceCode.objects.get_or_create(
            code=code, modifiers=modifiers, defaults={"description": description}
        )
    for position, (name, billed) in enumerate(PROGRAMMES):
        FundingProgramme.objects.get_or_create(
            name=name, defaults={"billed": billed, "position": position}
        )


TRIGGER = """
DROP TRIGGER sessions_log_note_locked ON sessions_log_note;
CREATE TRIGGER sessions_log_note_locked
BEFORE UPDATE OR DELETE ON sessions_log_note
FOR EACH ROW EXECUTE FUNCTION sessions_log_note_locked(
    {columns}
);
"""
COLUMNS_0010 = "'narrative', 'client_words', 'goals', 'next_steps'"


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_log", "0011_rotation_by_owner_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="FundingProgramme",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                ("billed", models.BooleanField(default=True)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("active", models.BooleanField(default=True)),
            ],
            options={
                "ordering": ["position", "name"],
            },
        ),
        migrations.AddField(
            model_name="note",
            name="over_cap_reason",
            field=accounts.fields.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="note",
            name="signed_credential",
            field=models.CharField(blank=True, db_default="", default="", max_length=20),
        ),
        migrations.AddField(
            model_name="note",
            name="units",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="session",
            name="place_type",
            field=models.CharField(
                choices=[
                    ("office", "Office"),
                    ("community", "Community"),
                    ("home", "Home"),
                    ("phone", "Phone"),
                    ("video", "Video"),
                ],
                db_default="office",
                default="office",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="funding_programme",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sessions_log.fundingprogramme",
            ),
        ),
        migrations.CreateModel(
            name="ServiceCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=10)),
                ("modifiers", models.CharField(blank=True, max_length=20)),
                ("description", models.CharField(max_length=200)),
                ("active", models.BooleanField(default=True)),
            ],
            options={
                "ordering": ["code", "modifiers"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("code", "modifiers"), name="service_code_unique"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="session",
            name="service_code",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sessions_log.servicecode",
            ),
        ),
        migrations.RunPython(seed_lists, migrations.RunPython.noop),
        migrations.RunSQL(
            TRIGGER.format(columns=COLUMNS_0010 + ", 'over_cap_reason'"),
            TRIGGER.format(columns=COLUMNS_0010),
        ),
    ]
