from django.core.management.base import BaseCommand

from accounts.services import mfa_secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt secrets at rest with the first key of FIELD_ENCRYPTION_KEYS. "
        "Run after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        count = mfa_secrets_reencrypt()
        self.stdout.write(f"Re-encrypted {count} MFA authenticator(s) with the newest key.")
