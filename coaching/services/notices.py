"""The cover sheet of a claim batch: what an 837P cannot hold.

An X12 837P has no place for prose, so the notice 42 CFR 2.32(a) requires
with each disclosure made with consent (Statement 1, coaching/notices.py)
and the explanation of each client's consent that 2.32(b) requires go with
the batch as a plain-text cover sheet, downloaded from the batch's page next
to its 837P file and sent with it. Before the batch is marked sent the sheet
names each client's covering consent now (the one marking it sent will rely
on; a client without one is taken out then); once sent, the consent each
client's Disclosure relied on when it was marked sent, whatever changed since."""

from django.db import transaction
from django.utils import dateformat, timezone

from accounts.audit import audit_clients_shown
from accounts.models import User
from coaching.models import Claim, Consent, Disclosure, ExportKind, ProgrammePayer
from coaching.notices import (
    NOTICE_VERSION,
    SCOPE_HEADING,
    SCOPE_LABELS,
    STATEMENT_1,
    consent_scope,
    organisation_name,
)
from coaching.selectors.billing import CLAIM_INFORMATION
from coaching.selectors.claims import batch_for_change
from coaching.selectors.consents import covering_queryset, newest_per_client

NO_DISCLOSURE = "No disclosure of this client to the payer was recorded when the batch was sent."
NO_CONSENT = (
    "No active consent naming the payer: this client is taken out when the batch is marked sent."
)


def _relied_on(batch, client_ids: list[int], recipient_id: int | None) -> dict[int, Consent]:
    """Per client, the consent the batch relies on: once sent, the one its
    claim-file Disclosure (recorded at the moment it was marked sent)
    names; before, the one covering the client now. One query."""
    if recipient_id is None:
        return {}
    if batch.sent_at is None:
        return newest_per_client(
            covering_queryset(
                client_ids=client_ids, recipient=recipient_id, information=CLAIM_INFORMATION
            ).select_related("client", "recipient")
        )
    disclosures = (
        Disclosure.objects.filter(
            client_id__in=client_ids,
            recipient_id=recipient_id,
            export=ExportKind.CLAIM_FILE,
            at=batch.sent_at,
        )
        .select_related("consent", "consent__client", "consent__recipient")
        .order_by("client_id", "-pk")
        .distinct("client_id")
    )
    return {disclosure.client_id: disclosure.consent for disclosure in disclosures}


@transaction.atomic
def claim_batch_cover(*, actor: User, batch_pk) -> tuple[str, str]:
    """A file name and the cover sheet of batch `batch_pk`: Statement 1 at
    its head, its version, who discloses to whom, and per client on the
    batch the scope of the consent relied on. Staff who bill only (404 for
    anyone else); the clients on it audited as "claim_batch.cover"."""
    batch = batch_for_change(actor, batch_pk)
    claims = list(
        Claim.objects.filter(batch=batch).select_related("client").order_by("client_id", "pk")
    )
    clients = {claim.client_id: claim.client for claim in claims}
    payer = (
        ProgrammePayer.objects.filter(programme_id=batch.programme_id)
        .select_related("recipient")
        .first()
    )
    relied_on = _relied_on(batch, sorted(clients), payer and payer.recipient_id)
    disclosed_by = organisation_name()
    made = timezone.localtime(batch.created_at)
    lines = [
        STATEMENT_1,
        "",
        f"Notice: {NOTICE_VERSION}",
        "",
        f"Cover sheet of claim batch {batch.pk} "
        f"(837P interchange {batch.interchange.control_number:09d})",
        f"Disclosed by: {disclosed_by}",
        f"Disclosed to: {payer.recipient.name if payer else 'no payer named'}",
        f"Programme: {batch.programme.name}",
        f"Days of service: {batch.first_day.isoformat()} to {batch.last_day.isoformat()}",
        f"Made: {dateformat.format(made, 'j F Y, H:i')}",
        "",
        SCOPE_HEADING,
    ]
    for client_id, client in sorted(clients.items(), key=lambda item: item[1].display_name):
        lines.append("")
        consent = relied_on.get(client_id)
        if consent is None:
            missing = NO_CONSENT if batch.sent_at is None else NO_DISCLOSURE
            lines += [f"Client: {client.display_name}", missing]
            continue
        scope = consent_scope(consent, disclosed_by=disclosed_by, on_day=batch.last_day)
        lines += [f"{label}: {value}" for label, value in zip(SCOPE_LABELS, scope, strict=True)]
    audit_clients_shown(actor=actor, shown=[("claim_batch.cover", sorted(clients))])
    filename = f"claims-{batch.interchange.control_number:09d}-batch-{batch.pk}-cover.txt"
    return filename, "\n".join(lines) + "\n"
