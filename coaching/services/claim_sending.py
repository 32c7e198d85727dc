"""Marking a claim file sent (issue 28, point 7): it counts as disclosed
then, not when it was made. Each client's consent is checked again at that
moment; one no longer covered is taken out of the file (their claims and
lines go, the sessions show on Billing again with why) and the file is
written again, to be downloaded again before it goes."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, When
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from coaching.models import ClaimBatch, ExportKind, Frequency
from coaching.selectors.billing import CLAIM_INFORMATION
from coaching.selectors.claims import batch_for_change
from coaching.services.claim_files import (
    claims_remove,
    interchange_rewrite,
    organisation_locked,
    payers_of,
    why_not_covered,
)
from coaching.services.disclosures import disclosures_record, export_split
from common.dates import local_today


@dataclass(frozen=True)
class MarkSent:
    """What marking a file sent did: `sent` (the batches, their
    disclosures recorded), or, when clients had to be taken out first,
    `removed` ("Name was removed: why") and nothing marked: the file was
    written again without them and must be downloaded again."""

    sent: list[ClaimBatch]
    removed: list[str]
    # The batch to show next: the one asked for, or (it was emptied) another
    # of the file; None when nothing is left.
    show: int | None


@transaction.atomic
def claim_batch_mark_sent(*, actor: User, batch_pk) -> MarkSent:
    """Staff sent the 837P file. The file is the whole interchange, so every
    batch in it is marked sent together (sent_at, sent_by), each client's
    consent checked again now and a Disclosure recorded per client per
    batch (42 CFR 2.25; 45 CFR 164.528(b)(2): the payer and its address,
    the purpose, the first and last date of service on their claims). A
    client no longer covered (revoked, ended since the file was made) is
    taken out: their claims and lines go, the file is written again, and
    nothing is marked: the page names them, staff download again and mark
    it sent then. Refused: marked sent already; a void or replacement whose
    client is no longer covered (it cannot be taken out of a file)."""
    batch = batch_for_change(actor, batch_pk)
    if batch.sent_at is not None:
        raise ValidationError(f"Claim batch {batch.pk} was marked sent already.")
    org = organisation_locked()
    interchange = batch.interchange
    batches = list(
        ClaimBatch.objects.select_for_update(of=("self",))
        .filter(interchange=interchange)
        .select_related("programme")
        .order_by("pk")
    )
    payers = payers_of([each.programme for each in batches])
    covered, removed, dropped = {}, [], []
    for each in batches:
        payer = payers[each.programme_id]
        claims = list(each.claims.select_related("client").prefetch_related("lines"))
        split = export_split(
            actor=actor,
            client_ids={claim.client_id for claim in claims},
            recipient=payer.recipient,
            information=CLAIM_INFORMATION,
            export=ExportKind.CLAIM_FILE,
            service_dates=None,
        )
        covered[each.pk] = (split, claims)
        out = [claim for claim in claims if claim.client_id not in split.consents]
        if out and each.frequency != Frequency.ORIGINAL:
            raise ValidationError(
                f"Claim {out[0].claim_id} ({each.get_frequency_display().lower()}) is for "
                f"{out[0].client.display_name}, who no longer has an active consent naming "
                f"{payer.recipient.name}: a correction cannot be taken out of its file. "
                "Nothing was marked."
            )
        for client in {claim.client_id: claim.client for claim in out}.values():
            why = why_not_covered(client, payer, local_today(client))
            removed.append(
                f"{client.display_name} was removed from batch {each.pk}: {why}; download "
                "the file again before you send it."
            )
        dropped += out
    if dropped:
        claims_remove(dropped)
        interchange_rewrite(org=org, interchange=interchange, payers=payers)
        for client_id in sorted({claim.client_id for claim in dropped}):
            audit_record(
                actor=actor, action="claim_batch.remove", obj=batch, client=User(pk=client_id)
            )
        left = ClaimBatch.objects.filter(interchange_id=interchange.pk).order_by(
            Case(When(pk=batch.pk, then=0), default=1), "pk"
        )
        return MarkSent(sent=[], removed=removed, show=left.values_list("pk", flat=True).first())
    now = timezone.now()
    for each in batches:
        split, claims = covered[each.pk]
        dates: dict[int, list[date]] = defaultdict(list)
        for claim in claims:
            dates[claim.client_id] += [line.service_date for line in claim.lines.all()]
        disclosures_record(
            actor=actor,
            export=ExportKind.CLAIM_FILE,
            recipient=payers[each.programme_id].recipient,
            information=CLAIM_INFORMATION,
            consents=split.consents,
            service_dates={pk: (min(days), max(days)) for pk, days in dates.items()},
            description=f"Claim batch {each.pk} (837P), {each.programme.name}, "
            f"{each.first_day} to {each.last_day}",
            at=now,
        )
        each.sent_at, each.sent_by = now, actor
        each.save(update_fields=["sent_at", "sent_by"])
        audit_record(actor=actor, action="claim_batch.sent", obj=each)
    return MarkSent(sent=batches, removed=[], show=batch.pk)
