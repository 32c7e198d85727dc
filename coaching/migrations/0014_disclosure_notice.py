"""Each disclosure names the notice that went with it (42 CFR 2.32(a)).

Disclosures made before this carried the app's own paraphrase of 2.32, not
one of the rule's statements: they say so. Adding a column fires no row
trigger, so coaching 0011's append-only guard stays as it is."""

from django.db import migrations, models
from django.db.models import Q

BEFORE = "The app's own wording (before 42 CFR 2.32(a) Statement 1, 2024)"


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0013_claims"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="notice_version",
            field=models.CharField(default=BEFORE, max_length=80),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.CheckConstraint(
                condition=~Q(notice_version=""), name="disclosure_names_its_notice"
            ),
        ),
    ]
