"""Demo people with known passwords and TOTP secrets, and each feature's demo
records (coaching/demo/: one seeder per feature).

Idempotent: running it again keeps the same people, passwords and secrets.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coaching.demo import billing, consents, episodes, people, plans, sessions, trust
from coaching.services.figures import figures_repair

# In this order: each seeder may rely on what those before it made.
SEEDERS = [sessions, trust, plans, episodes, billing, consents]


class Command(BaseCommand):
    help = "Create demo people (DEBUG only) and print their logins."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_data refuses to run when DEBUG is off: it sets known passwords."
            )
        with transaction.atomic():
            lines = people.seed()
            for seeder in SEEDERS:
                seeder.seed()
            # The seeders date history in the past past the services (a
            # session held last week, an attempt ten days ago): the kept
            # figures are written from that history, as the nightly check
            # would, but without an email about drift to the admins.
            figures_repair()
        self.stdout.write(f"Demo logins (password for everyone: {people.DEMO_PASSWORD}):")
        for line in lines:
            self.stdout.write("  " + line)
