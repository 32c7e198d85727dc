from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coaching.retention_records import OwnerRequired, audit_prune, record_destroy, require_owner
from coaching.selectors.retention import confirmed_for_destruction, retention_cutoff


class Command(BaseCommand):
    help = (
        "Destroy the records of clients an admin confirmed on the retention page and "
        "that are still past retention (one transaction per client; the user row is "
        "de-identified), then delete audit events older than the audit trail's "
        "retention. Run monthly as the tables' owner (DATABASE_URL=$DATABASE_OWNER_URL)."
    )

    def handle(self, *args, **options):
        try:
            # Said before anything: the first ALTER TABLE would refuse anyway.
            require_owner()
            destroyed = 0
            for pk in list(confirmed_for_destruction().values_list("pk", flat=True)):
                with transaction.atomic():
                    # Re-checked under a lock: still confirmed, still past retention.
                    client = confirmed_for_destruction().filter(pk=pk)
                    client = client.select_for_update(of=("self",)).first()
                    if client is None:
                        continue
                    counts = record_destroy(client)
                destroyed += 1
                rows = sum(counts.values())
                self.stdout.write(f"Client {pk}: {rows} row(s) of {len(counts)} kind(s) destroyed.")
            cutoff = retention_cutoff("audit_trail")
            with transaction.atomic():
                pruned = audit_prune(cutoff)
        except OwnerRequired as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Destroyed {destroyed} client record(s); pruned {pruned} audit event(s) "
            f"from before {cutoff.isoformat()}."
        )
