from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coaching.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write DIR/database.dump (pg_dump) and DIR/manifest.json (row counts per table and "
        "the latest migration per app, from the same snapshot). Never the encryption keys. "
        "Run as the tables' owner."
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
            "the encryption keys are not in it."
        )
