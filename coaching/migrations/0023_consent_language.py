import accounts.fields
from django.db import migrations, models

# The language a consent was signed in and, signed in another than English,
# the English text of the same consent with its SHA-256 (issue 31).
# Consents signed before this were signed in English: they say so. A signed
# consent is locked (coaching 0011): the backfill runs with the lock off, and
# the lock is set again with the new ciphertext column among those key
# rotation may rewrite.
#
# Frozen: the SQL is written out here.

FORWARD = """
ALTER TABLE coaching_consent DISABLE TRIGGER coaching_consent_locked;
UPDATE coaching_consent SET signed_language = 'en' WHERE signed_at IS NOT NULL;
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE coaching_consent ENABLE TRIGGER coaching_consent_locked;

DROP TRIGGER coaching_consent_locked ON coaching_consent;
CREATE TRIGGER coaching_consent_locked
BEFORE UPDATE OR DELETE ON coaching_consent
FOR EACH ROW EXECUTE FUNCTION coaching_consent_locked(
    'purpose', 'ends_on_event', 'signed_name', 'revocation_note',
    'legal_name', 'representative_name', 'signed_text', 'signed_text_english'
);
"""

BACKWARD = """
DROP TRIGGER coaching_consent_locked ON coaching_consent;
CREATE TRIGGER coaching_consent_locked
BEFORE UPDATE OR DELETE ON coaching_consent
FOR EACH ROW EXECUTE FUNCTION coaching_consent_locked(
    'purpose', 'ends_on_event', 'signed_name', 'revocation_note',
    'legal_name', 'representative_name', 'signed_text'
);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0022_figures_by_coach"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="signed_language",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AddField(
            model_name="consent",
            name="signed_text_english",
            field=accounts.fields.EncryptedTextField(blank=True),
        ),
        migrations.AddField(
            model_name="consent",
            name="signed_text_english_sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
