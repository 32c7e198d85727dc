from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coaching.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write DIR/database.dump (pg_dump, without the rows of the session, cache and "
        "confirmation-key tables) and DIR/manifest.json (row counts per table, the latest "
        "migration per app and the dump's SHA-256, from the same snapshot), signed with "
        "BACKUP_SIGNING_KEY. Never the encryption keys. Run as the tables' owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):
        try:
            manifest = backup_create(directory)
        except (BackupError, FileExistsError) as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows} rows) to {directory}; "
            "the encryption keys and session rows are not in it; the manifest is signed."
        )
