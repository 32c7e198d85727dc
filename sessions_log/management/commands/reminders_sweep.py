from django.core.management.base import BaseCommand

from sessions_log.services.outbox import reminders_sweep


class Command(BaseCommand):
    help = "Queue a send task per due reminder now (beat runs this sweep every minute)."

    def handle(self, *args, **options):
        self.stdout.write(f"{reminders_sweep()} reminders queued")
