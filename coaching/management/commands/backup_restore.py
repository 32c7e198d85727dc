from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from coaching.backup import BackupError, backup_restore, backup_verify, manifest_read


class Command(BaseCommand):
    help = (
        "Restore DIR (from backup_create) into this empty database: first the manifest's "
        "signature (BACKUP_SIGNING_KEY), the fixed dump name and its SHA-256; pg_restore as a "
        "role that is no superuser; migrate (which grants the app's role its rights); then "
        "verify: the schema equals a fresh migrate of this code, row counts as the manifest, "
        "no session or cache rows, every encrypted value decrypts with FIELD_ENCRYPTION_KEYS, "
        "the signed-note and audit triggers refuse a raw UPDATE. --verify-only checks a "
        "restored database."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--verify-only", action="store_true")

    def handle(self, *args, directory, verify_only, **options):
        try:
            # Nothing is read from the backup or done to the database before
            # its manifest verifies.
            manifest_read(directory)
            if not verify_only:
                backup_restore(directory)
                call_command("migrate", "--noinput", verbosity=0)
            findings, problems = backup_verify(directory)
        except BackupError as error:
            raise CommandError(str(error)) from None
        for line in findings:
            self.stdout.write(line)
        if problems:
            raise CommandError("The restored database is not the backup: " + "; ".join(problems))
        self.stdout.write(f"Restored {directory} and verified it.")
