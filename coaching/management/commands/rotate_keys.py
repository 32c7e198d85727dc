from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.services import mfa_secrets_reencrypt
from sessions_log.services.notes import note_secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt secrets at rest with the first key of FIELD_ENCRYPTION_KEYS. "
        "Run after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            authenticators = mfa_secrets_reencrypt()
            notes, addenda = note_secrets_reencrypt()
        self.stdout.write(
            f"Re-encrypted {authenticators} MFA authenticator(s), {notes} note(s) and "
            f"{addenda} addend(a) with the newest key."
        )
