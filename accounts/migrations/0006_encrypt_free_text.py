from django.db import migrations

import accounts.fields

# Why a client moved on to another coach (CaseloadAssignment.end_reason) is a
# supervisor's words about a person: encrypted at rest from now on, existing
# rows here. The column becomes text (ciphertext is longer than the reason).
#
# Frozen: the SQL is written out below. The one live import is
# common.crypto.encrypt/decrypt, this layer's Fernet over
# settings.FIELD_ENCRYPTION_KEYS: a stable module the encrypted fields
# themselves rely on; the ciphertext must be what the application reads.

BATCH = 500


def _rewrite(schema_editor, convert) -> None:
    with schema_editor.connection.cursor() as cursor:
        last = 0
        while True:
            cursor.execute(
                "SELECT id, end_reason FROM accounts_caseloadassignment "
                "WHERE id > %s AND end_reason <> '' ORDER BY id LIMIT %s FOR UPDATE",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(
                "UPDATE accounts_caseloadassignment SET end_reason = %s WHERE id = %s",
                [[convert(reason), key] for key, reason in rows],
            )
            last = rows[-1][0]


def encrypt_existing(apps, schema_editor):
    from common.crypto import encrypt  # stable bottom-layer module (see above)

    _rewrite(schema_editor, encrypt)


def decrypt_existing(apps, schema_editor):
    from common.crypto import decrypt  # stable bottom-layer module (see above)

    _rewrite(schema_editor, decrypt)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_remove_record_change")]

    operations = [
        migrations.AlterField(
            model_name="caseloadassignment",
            name="end_reason",
            field=accounts.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
