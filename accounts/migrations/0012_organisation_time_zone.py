# A new person's time zone is the organisation's (ORGANISATION_TIME_ZONE),
# read when the person is made; people made before keep what they have.

import accounts.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_session_key_digests"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="time_zone",
            field=models.CharField(
                default=accounts.models.organisation_time_zone,
                max_length=64,
                validators=[accounts.models.validate_time_zone],
            ),
        ),
    ]
