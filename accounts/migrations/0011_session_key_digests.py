from django.db import migrations, models

# The session table keeps a SHA-256 digest of each key (issue 29): existing
# rows are digested in place, so whoever is signed in stays signed in (their
# cookie's key now finds the row by its digest). Going back cannot recover a
# key from its digest: it ends every session (everyone signs in again).
DIGEST_IN_PLACE = """
UPDATE accounts_loginsession
SET session_key = encode(sha256(convert_to(session_key, 'UTF8')), 'hex')
WHERE length(session_key) <> 64;
"""
END_ALL = "DELETE FROM accounts_loginsession;"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_payer_identity_claim_fields"),
    ]

    operations = [
        migrations.AlterField(
            model_name="loginsession",
            name="session_key",
            field=models.CharField(
                max_length=64,
                primary_key=True,
                serialize=False,
                verbose_name="session key digest",
            ),
        ),
        migrations.RunSQL(DIGEST_IN_PLACE, END_ALL),
    ]
