from django.db import migrations

# Where clients come from, to start with; admins edit the list.
#
# Frozen: the names are written out here.

SOURCES = [
    "Self",
    "Family or friend",
    "Court or probation",
    "Hospital or emergency room",
    "Treatment program",
    "Other",
]


def seed_sources(apps, schema_editor):
    ReferralSource = apps.get_model("coaching", "ReferralSource")
    for position, name in enumerate(SOURCES):
        ReferralSource.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("coaching", "0009_episodes_and_outreach")]

    operations = [migrations.RunPython(seed_sources, migrations.RunPython.noop)]
