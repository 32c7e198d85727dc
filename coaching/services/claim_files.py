"""The building blocks of claim batches (coaching/services/claims.py): the
organisation's row lock, the programmes' payers, claims of (client, coach,
episode) of at most 50 lines, the consent check through export_split, and
the interchange written: its batches, claims, lines and 837P text stored
in one go. Inside the caller's transaction only."""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch, Q
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from coaching.models import (
    BillingOrganisation,
    Claim,
    ClaimBatch,
    ClaimInterchange,
    ClaimLine,
    Consent,
    Episode,
    ExportKind,
    ProgrammePayer,
    PurposeKind,
)
from coaching.selectors.billing import CLAIM_INFORMATION
from coaching.selectors.claim_checks import ENVELOPE_ID_LIMIT, episode_on
from coaching.selectors.claims import NotReady, ReadyLine, organisation_problems
from coaching.selectors.disclosures import zone_of
from coaching.services.claim_x12 import BatchSpec, ClaimSpec, interchange_text
from coaching.services.disclosures import export_split
from sessions_log.models import FundingProgramme

NOTHING_READY = "nothing_ready"
MAX_LINES = 50  # 837P 2400 loop: at most 50 lines per claim


@dataclass(frozen=True)
class BatchResult:
    interchange: ClaimInterchange
    batches: list[ClaimBatch]
    left_out: list[NotReady]


@dataclass
class ClaimGroup:
    """The lines of one claim to make: a client, a coach, an episode."""

    lines: list[ReadyLine]
    original: Claim | None = None


def organisation_locked() -> BillingOrganisation:
    """The organisation's row, locked: batches are made one at a time."""
    problems = organisation_problems()
    if problems:
        raise ValidationError(problems)
    return BillingOrganisation.objects.select_for_update().get(pk=1)


def payers_of(programmes: list[FundingProgramme]) -> dict[int, ProgrammePayer]:
    payers = {
        payer.programme_id: payer
        for payer in ProgrammePayer.objects.filter(programme__in=programmes).select_related(
            "recipient"
        )
    }
    problems = []
    for programme in programmes:
        payer = payers.get(programme.pk)
        if payer is None:
            problems.append(
                f"Nobody is set to pay for {programme.name}: an admin names its payer "
                "(Administration, Programme payers) first."
            )
        elif not payer.payer_id.strip():
            problems.append(
                f"{programme.name}'s payer {payer.recipient.name} has no payer id: an admin "
                "enters the id its clearinghouse lists first."
            )
        elif len(payer.receiver_id or payer.payer_id) > ENVELOPE_ID_LIMIT:
            problems.append(
                f"{programme.name}'s receiver id is over {ENVELOPE_ID_LIMIT} characters."
            )
    if problems:
        raise ValidationError(problems)
    return payers


def nothing_ready(ready) -> ValidationError:
    """Why nothing can be batched: the lines already are (naming the
    batches), or every session is left out (the reasons), or none bills."""
    parts = []
    if ready.billed:
        held = sorted({item.session.live_batch for item in ready.billed})
        numbers = ", ".join(str(pk) for pk in held)
        plural = "es" if len(held) > 1 else ""
        parts.append(
            f"Nothing new is ready in those days: the billable sessions are already in "
            f"claim batch{plural} {numbers}."
        )
    if ready.left_out:
        reasons = sorted({reason for item in ready.left_out for reason in item.reasons})
        plural = "s are" if len(ready.left_out) > 1 else " is"
        parts.append(f"{len(ready.left_out)} session{plural} left out: " + " ".join(reasons[:8]))
    if not parts:
        parts.append(
            "No billable sessions in those days: a session bills once its note is signed "
            "(and co-signed) and it has a service code and a billed programme."
        )
    return ValidationError(" ".join(parts), code=NOTHING_READY)


def claim_groups(lines: list[ReadyLine], original: Claim | None = None) -> list[ClaimGroup]:
    """Claims of (client, coach, episode), at most 50 lines each."""
    by_key: dict[tuple, list[ReadyLine]] = defaultdict(list)
    for line in lines:
        by_key[(line.client.pk, line.coach.pk, line.episode.pk)].append(line)
    return [
        ClaimGroup(lines=chunk[i : i + MAX_LINES], original=original)
        for chunk in by_key.values()
        for i in range(0, len(chunk), MAX_LINES)
    ]


def interchange_make(*, actor, org, frequency, plan, state, days) -> tuple[ClaimInterchange, list]:
    """The interchange, its batches, claims and lines, and the 837P text,
    stored. `plan`: (programme, payer, groups) per batch."""
    now = timezone.now()
    last = ClaimInterchange.objects.aggregate(last=Max("control_number"))["last"] or 0
    interchange = ClaimInterchange.objects.create(
        created_by=actor, created_at=now, control_number=last + 1, file_text=""
    )
    batches, specs = [], []
    for programme, payer, groups in plan:
        batch = ClaimBatch.objects.create(
            interchange=interchange,
            programme=programme,
            created_by=actor,
            created_at=now,
            first_day=days[0],
            last_day=days[1],
            frequency=frequency,
        )
        claims = []
        for number, group in enumerate(groups, start=1):
            first = group.lines[0]
            claim = Claim.objects.create(
                batch=batch,
                client=first.client,
                coach=first.coach,
                claim_id=f"{batch.pk}-{number}",
                frequency=frequency,
                original=group.original,
                total_charge=sum(line.charge for line in group.lines),
            )
            rows = ClaimLine.objects.bulk_create(
                ClaimLine(
                    claim=claim,
                    session=line.session,
                    control_number=f"{claim.claim_id}-{position}",
                    service_date=line.service_date,
                    code=line.code,
                    modifiers=list(line.modifiers),
                    place_of_service=line.place_of_service,
                    minutes=line.minutes,
                    units=line.units,
                    charge=line.charge,
                    state=state,
                    state_at=now,
                )
                for position, line in enumerate(group.lines, start=1)
            )
            claims.append(
                ClaimSpec(
                    claim=claim,
                    lines=rows,
                    identity=first.client.payer_identity,
                    provider=first.coach.provider_identity,
                    episode=first.episode,
                    programme=programme,
                    original_claim_number=group.original.payer_claim_number
                    if group.original
                    else "",
                )
            )
        batches.append(batch)
        specs.append(BatchSpec(batch=batch, payer=payer, claims=claims))
    try:
        interchange.file_text = interchange_text(interchange, org, specs)
    except ValueError as error:
        raise ValidationError(f"The claim file could not be written: {error}") from error
    interchange.save(update_fields=["file_text"])
    for batch in batches:
        audit_record(actor=actor, action="claim_batch.create", obj=batch)
    return interchange, batches


def disclose(*, actor, payer, lines) -> tuple[list[ReadyLine], list[NotReady]]:
    """The lines whose client has a consent naming the payer, and the
    others, left out with why. Only checks: the batch counts as disclosed
    when staff mark it sent (coaching/services/claims.py)."""
    split = export_split(
        actor=actor,
        client_ids={line.client.pk for line in lines},
        recipient=payer.recipient,
        information=CLAIM_INFORMATION,
        export=ExportKind.CLAIM_FILE,
        service_dates=None,
    )
    reason = (
        f"No consent naming {payer.recipient.name} for the service record and billing identifiers."
    )
    kept = [line for line in lines if line.client.pk in split.consents]
    left = [
        NotReady(
            line.session, line.programme, line.client, line.service_date, line.minutes, (reason,)
        )
        for line in lines
        if line.client.pk not in split.consents
    ]
    return kept, left


def why_not_covered(client: User, payer: ProgrammePayer, today) -> str:
    """Why a client's claims may no longer go to the payer, in words staff
    act on: the consent relied on was revoked, or ended, on a day."""
    consent = (
        Consent.objects.filter(client=client, signed_at__isnull=False)
        .filter(Q(recipient=payer.recipient) | Q(purpose_kind=PurposeKind.TPO))
        .order_by("-signed_at", "-pk")
        .first()
    )
    if consent is not None and consent.revoked_at is not None:
        day = timezone.localtime(consent.revoked_at, zone_of(client)).date()
        return f"their consent was revoked on {day:%-d %b %Y}"
    if consent is not None and consent.ends_on is not None and consent.ends_on < today:
        return f"their consent ended on {consent.ends_on:%-d %b %Y}"
    return f"they no longer have an active consent naming {payer.recipient.name}"


def claims_remove(claims: list[Claim]) -> None:
    """Take claims out of a batch not yet sent: their lines go (the sessions
    are not billed again, so Billing shows them ready or left out with why),
    then the claims."""
    ClaimLine.objects.filter(claim__in=claims).delete()
    Claim.objects.filter(pk__in=[claim.pk for claim in claims]).delete()


def interchange_rewrite(*, org, interchange: ClaimInterchange, payers) -> None:
    """The interchange's 837P written again from its stored batches, claims
    and lines (after claims were taken out); an emptied batch goes. The
    envelope keeps its creation time and control number."""
    batches = list(interchange.batches.order_by("pk").select_related("programme"))
    specs = []
    for batch in batches:
        claims = list(
            batch.claims.order_by("pk")
            .select_related("client__payer_identity", "coach__provider_identity", "original")
            .prefetch_related(Prefetch("lines", queryset=ClaimLine.objects.order_by("pk")))
        )
        if not claims:
            batch.delete()
            continue
        episodes = _episodes_of({claim.client_id for claim in claims})
        specs.append(
            BatchSpec(
                batch=batch,
                payer=payers[batch.programme_id],
                claims=[
                    ClaimSpec(
                        claim=claim,
                        lines=list(claim.lines.all()),
                        identity=claim.client.payer_identity,
                        provider=claim.coach.provider_identity,
                        episode=episode_on(
                            episodes[claim.client_id], claim.lines.all()[0].service_date
                        ),
                        programme=batch.programme,
                        original_claim_number=claim.original.payer_claim_number
                        if claim.original
                        else "",
                    )
                    for claim in claims
                ],
            )
        )
    if not specs:
        interchange.delete()
        return
    try:
        interchange.file_text = interchange_text(interchange, org, specs)
    except ValueError as error:
        raise ValidationError(f"The claim file could not be written: {error}") from error
    interchange.save(update_fields=["file_text"])


def _episodes_of(client_ids) -> dict[int, list[Episode]]:
    episodes: dict[int, list[Episode]] = defaultdict(list)
    for episode in Episode.objects.filter(client_id__in=client_ids):
        episodes[episode.client_id].append(episode)
    return episodes
