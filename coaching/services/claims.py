"""Claim batches (issue 27, points 4 to 7): make a batch of the ready lines
as an X12 837P interchange, download it (the stored text, the same bytes
every time), mark it accepted, void or replace a claim the payer answered
(claim frequency 8 or 7, citing the payer's claim number in REF*F8).

Every batch goes through the one export path (coaching/services/consents.py
export_split: a Disclosure per client, audited); clients without a consent
naming the payer are left out. Batches are made one at a time: each takes
the organisation's row lock first (so two runs on the same days cannot both
take the same lines, and interchange numbers are max + 1 under the lock);
the one-live-line-per-session constraint backs it. Any refusal is a
ValidationError with a clear message and leaves nothing behind."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import User
from accounts.policy.billing import bills
from coaching.models import (
    LIVE_STATES,
    BillingOrganisation,
    Claim,
    ClaimBatch,
    ClaimInterchange,
    ClaimLine,
    ExportKind,
    Frequency,
    LineState,
    ProgrammePayer,
)
from coaching.selectors.billing import CLAIM_INFORMATION
from coaching.selectors.claim_checks import ENVELOPE_ID_LIMIT
from coaching.selectors.claims import (
    NotReady,
    ReadyLine,
    batch_for_change,
    organisation_problems,
    ready_lines,
)
from coaching.services.claim_x12 import BatchSpec, ClaimSpec, interchange_text
from coaching.services.consents import export_split
from sessions_log.models import FundingProgramme

NOTHING_READY = "nothing_ready"
MAX_LINES = 50  # 837P 2400 loop: at most 50 lines per claim


@dataclass(frozen=True)
class BatchResult:
    interchange: ClaimInterchange
    batches: list[ClaimBatch]
    left_out: list[NotReady]


@dataclass
class _Group:
    """The lines of one claim to make: a client, a coach, an episode."""

    lines: list[ReadyLine]
    original: Claim | None = None


def _organisation() -> BillingOrganisation:
    """The organisation's row, locked: batches are made one at a time."""
    problems = organisation_problems()
    if problems:
        raise ValidationError(problems)
    return BillingOrganisation.objects.select_for_update().get(pk=1)


def _payers(programmes: list[FundingProgramme]) -> dict[int, ProgrammePayer]:
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


def _nothing_ready(ready) -> ValidationError:
    """Why nothing can be batched: the lines already are (naming the
    batches), or every session is left out (the reasons), or none bills."""
    parts = []
    if ready.billed:
        held = sorted({int(item.reasons[0].split()[-1].rstrip(".")) for item in ready.billed})
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


def _groups(lines: list[ReadyLine], original: Claim | None = None) -> list[_Group]:
    """Claims of (client, coach, episode), at most 50 lines each."""
    by_key: dict[tuple, list[ReadyLine]] = defaultdict(list)
    for line in lines:
        by_key[(line.client.pk, line.coach.pk, line.episode.pk)].append(line)
    return [
        _Group(lines=chunk[i : i + MAX_LINES], original=original)
        for chunk in by_key.values()
        for i in range(0, len(chunk), MAX_LINES)
    ]


def _make(*, actor, org, frequency, plan, state, days) -> tuple[ClaimInterchange, list]:
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


def _disclose(*, actor, payer, lines, description) -> tuple[list[ReadyLine], list[NotReady]]:
    """The lines whose client has a consent naming the payer (a Disclosure
    recorded per client, audited), and the others, left out with why."""
    split = export_split(
        actor=actor,
        client_ids={line.client.pk for line in lines},
        recipient=payer.recipient,
        information=CLAIM_INFORMATION,
        export=ExportKind.CLAIM_FILE,
        description=description,
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


def _check_days(start, end) -> None:
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValidationError("Give the first and last day of the batch.")
    if start > end:
        raise ValidationError("The first day comes after the last day.")
    if end > timezone.localdate():
        raise ValidationError("A batch cannot include days still to come.")


@transaction.atomic
def claim_batch_create(*, actor: User, programmes, start: date, end: date) -> BatchResult:
    """One interchange with a batch per programme that has ready lines on
    the days start..end. Refused (ValidationError, nothing created) when
    the organisation's identity is incomplete, a programme has no payer or
    payer id, or nothing is ready (saying why: e.g. already in batch 12)."""
    if not bills(actor):
        raise PermissionDenied
    programmes = list(programmes)
    if not programmes:
        raise ValidationError("Choose at least one programme.")
    _check_days(start, end)
    org = _organisation()
    payers = _payers(programmes)
    ready = ready_lines(actor, programmes=programmes, start=start, end=end)
    if not ready.lines:
        raise _nothing_ready(ready)
    left_out, plan = list(ready.left_out), []
    for programme in programmes:
        lines = [line for line in ready.lines if line.programme.pk == programme.pk]
        if not lines:
            continue
        kept, left = _disclose(
            actor=actor,
            payer=payers[programme.pk],
            lines=lines,
            description=f"Claim batch (837P), {programme.name}, {start} to {end}",
        )
        left_out += left
        if kept:
            plan.append((programme, payers[programme.pk], _groups(kept)))
    if not plan:
        raise _nothing_ready(ready)
    interchange, batches = _make(
        actor=actor,
        org=org,
        frequency=Frequency.ORIGINAL,
        plan=plan,
        state=LineState.IN_BATCH,
        days=(start, end),
    )
    return BatchResult(interchange=interchange, batches=batches, left_out=left_out)


@transaction.atomic
def claim_interchange_file(*, actor: User, batch_pk) -> tuple[str, str]:
    """The batch's 837P file as stored (its whole interchange: the same
    bytes every time) and a file name; the clients in it audited as
    "claim_batch.download". Staff who bill only (Http404)."""
    batch = batch_for_change(actor, batch_pk)
    interchange = batch.interchange
    clients = Claim.objects.filter(batch__interchange=interchange).values_list(
        "client_id", flat=True
    )
    audit_clients_shown(actor=actor, shown=[("claim_batch.download", list(clients))])
    return f"claims-{interchange.control_number:09d}.x12", interchange.file_text


@transaction.atomic
def claim_batch_accept(*, actor: User, batch_pk) -> ClaimBatch:
    """The clearinghouse or payer took the file: its lines in batch become
    accepted. Refused when it was accepted already."""
    batch = batch_for_change(actor, batch_pk)
    if batch.accepted_at is not None:
        raise ValidationError(f"Claim batch {batch.pk} was marked accepted already.")
    now = timezone.now()
    ClaimLine.objects.filter(claim__batch=batch, state=LineState.IN_BATCH).update(
        state=LineState.ACCEPTED, state_at=now
    )
    batch.accepted_at = now
    batch.save(update_fields=["accepted_at"])
    audit_record(actor=actor, action="claim_batch.accept", obj=batch)
    return batch


def _correctable(claim: Claim, verb: str) -> list[ClaimLine]:
    """The claim's live lines, refused if there is nothing to correct."""
    if not claim.payer_claim_number:
        raise ValidationError(
            f"The payer has not answered this claim yet: its claim number comes with the "
            f"remittance (835), and a {verb} must cite it. Claim {claim.claim_id} is unchanged."
        )
    lines = list(
        claim.lines.select_related(
            "session", "session__funding_programme", "session__client", "session__coach"
        )
    )
    live = [line for line in lines if line.state in LIVE_STATES]
    if not live or claim.frequency == Frequency.VOID:
        raise ValidationError(f"Claim {claim.claim_id} was already voided or replaced.")
    return live


@transaction.atomic
def sent_claim_void(*, actor: User, claim_pk) -> BatchResult:
    """Void a claim the payer answered: a claim of frequency 8 repeating its
    lines and citing the payer's claim number (REF*F8); its lines become
    voided (the sessions are ready again only if they still bill)."""
    raise NotImplementedError  # completed in the next commit


@transaction.atomic
def sent_claim_replace(*, actor: User, claim_pk) -> BatchResult:
    """Replace a claim the payer answered with the sessions' current billed
    time (an addendum corrected them): a claim of frequency 7 citing the
    payer's claim number (REF*F8); its old lines become replaced."""
    raise NotImplementedError  # completed in the next commit
