from django.core.management.base import BaseCommand, CommandError

from accounts.rotation import MFA_LABEL, RotationError, encrypted_fields, secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt everything encrypted at rest (every EncryptedTextField of every "
        "model, and the MFA secrets) with the first key of FIELD_ENCRYPTION_KEYS, in "
        "one transaction. Run after putting a new key first, on every process; then "
        "the old keys can be removed."
    )

    def handle(self, *args, **options):
        try:
            counts = secrets_reencrypt()
        except (RotationError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Re-encrypted {counts.pop(MFA_LABEL)} MFA authenticator(s) with the newest key."
        )
        fields = {model._meta.label: fields for model, fields in encrypted_fields().items()}
        for label, rows in counts.items():
            names = ", ".join(field.name for field in fields[label])
            self.stdout.write(f"Re-encrypted {rows} row(s) of {label} ({names}).")
