"""Claim batches (issue 27, points 4 to 7): make a batch of the ready lines
as an X12 837P interchange, download it (the stored text, the same bytes
every time), mark it accepted, void or replace a claim the payer answered
(claim frequency 8 or 7, citing the payer's claim number in REF*F8).

Every batch goes through the one export path (coaching/services/disclosures.py
export_split): clients without a consent naming the payer are left out when
it is made, and it counts as disclosed (a Disclosure per client, audited)
only when staff mark it sent (coaching/services/claim_sending.py). Batches
are made one at a time: each takes
the organisation's row lock first (so two runs on the same days cannot both
take the same lines, and interchange numbers are max + 1 under the lock);
the one-live-line-per-session constraint backs it. Any refusal is a
ValidationError with a clear message and leaves nothing behind."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import User
from accounts.policy.billing import bills
from coaching.models import (
    LIVE_STATES,
    Claim,
    ClaimBatch,
    ClaimLine,
    Episode,
    Frequency,
    LineState,
)
from coaching.selectors.claim_checks import (
    coach_problems,
    episode_on,
    episode_problems,
    identity_problems,
)
from coaching.selectors.claims import (
    NotReady,
    ReadyLine,
    batch_for_change,
    ready_lines,
    sent_claim_for_change,
)
from coaching.services.claim_files import (
    NOTHING_READY,  # noqa: F401 (the command tells "nothing ready" apart)
    BatchResult,
    claim_groups,
    disclose,
    interchange_make,
    nothing_ready,
    organisation_locked,
    payers_of,
)


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
    org = organisation_locked()
    payers = payers_of(programmes)
    ready = ready_lines(actor, programmes=programmes, start=start, end=end)
    if not ready.lines:
        raise nothing_ready(ready)
    left_out, plan = list(ready.left_out), []
    for programme in programmes:
        lines = [line for line in ready.lines if line.programme.pk == programme.pk]
        if not lines:
            continue
        kept, left = disclose(
            actor=actor,
            payer=payers[programme.pk],
            lines=lines,
        )
        left_out += left
        if kept:
            plan.append((programme, payers[programme.pk], claim_groups(kept)))
    if not plan:
        raise nothing_ready(ready)
    interchange, batches = interchange_make(
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


def _correction(*, actor, claim, frequency, lines, left_out) -> BatchResult:
    """A batch of one void (8) or replacement (7) of `claim` through the
    export path: refused, nothing changed, without a consent naming the
    payer."""
    org = organisation_locked()
    programme = claim.batch.programme
    payer = payers_of([programme])[programme.pk]
    client = User.objects.select_related("payer_identity").get(pk=claim.client_id)
    coach = User.objects.select_related("provider_identity").get(pk=claim.coach_id)
    problems = identity_problems(getattr(client, "payer_identity", None)) + coach_problems(coach)
    if problems:
        raise ValidationError(f"{' '.join(problems)} Claim {claim.claim_id} is unchanged.")
    verb = "void" if frequency == Frequency.VOID else "replacement"
    kept, left = disclose(
        actor=actor,
        payer=payer,
        lines=lines,
    )
    if left:
        raise ValidationError(f"{left[0].reasons[0]} Claim {claim.claim_id} is unchanged.")
    days = (min(line.service_date for line in kept), max(line.service_date for line in kept))
    interchange, batches = interchange_make(
        actor=actor,
        org=org,
        frequency=frequency,
        plan=[(programme, payer, claim_groups(kept, original=claim))],
        state=LineState.VOIDED if frequency == Frequency.VOID else LineState.IN_BATCH,
        days=days,
    )
    audit_record(actor=actor, action=f"claim.{verb}", obj=claim, client=claim.client)
    return BatchResult(interchange=interchange, batches=batches, left_out=left_out)


def _free(live: list[ClaimLine], state: str) -> None:
    """The original lines stop being live (before the replacement's lines
    take their sessions: one live line per session)."""
    ClaimLine.objects.filter(pk__in=[line.pk for line in live]).update(
        state=state, state_at=timezone.now()
    )


@transaction.atomic
def sent_claim_void(*, actor: User, claim_pk) -> BatchResult:
    """Void a claim the payer answered: a claim of frequency 8 repeating its
    live lines and citing the payer's claim number (REF*F8); its lines
    become voided, and the void's own lines are kept as sent (voided, not
    live). A voided session is ready again only if it still bills: correct
    the record first when it should not."""
    claim = sent_claim_for_change(actor, claim_pk)
    live = _correctable(claim, "void")
    day = min(line.service_date for line in live)
    ready = ready_lines(
        actor,
        programmes=[claim.batch.programme],
        start=day,
        end=max(line.service_date for line in live),
        client_ids=[claim.client_id],
        only_sessions={line.session_id for line in live},
        freeing=claim.pk,
    )
    # The void repeats the lines as sent; the episode, identities and
    # diagnosis are today's (a void must still name them).
    episode = next((line.episode for line in ready.lines), None) or _episode_of(claim, day)
    lines = [
        ReadyLine(
            session=line.session,
            programme=claim.batch.programme,
            client=claim.client,
            coach=claim.coach,
            episode=episode,
            service_date=line.service_date,
            code=line.code,
            modifiers=tuple(line.modifiers),
            place_of_service=line.place_of_service,
            minutes=line.minutes,
            units=line.units,
            charge=line.charge,
        )
        for line in live
    ]
    _free(live, LineState.VOIDED)
    return _correction(actor=actor, claim=claim, frequency=Frequency.VOID, lines=lines, left_out=[])


def _episode_of(claim: Claim, day: date):
    """The client's episode on `day` with a diagnosis, for a void whose
    sessions no longer bill; refused when there is none."""
    episode = episode_on(list(Episode.objects.filter(client_id=claim.client_id)), day)
    problems = episode_problems(episode, claim.batch.programme, day)
    if problems:
        raise ValidationError(f"{' '.join(problems)} Claim {claim.claim_id} is unchanged.")
    return episode


@transaction.atomic
def sent_claim_replace(*, actor: User, claim_pk) -> BatchResult:
    """Replace a claim the payer answered with the sessions' current billed
    time (an addendum corrected them): claims of frequency 7 citing the
    payer's claim number (REF*F8); its old lines become replaced. A session
    that no longer bills is left off the replacement (listed with why);
    when none bills, or something a payer needs is missing, it is refused
    and nothing changes."""
    claim = sent_claim_for_change(actor, claim_pk)
    live = _correctable(claim, "replacement")
    ready = ready_lines(
        actor,
        programmes=[claim.batch.programme],
        start=min(line.service_date for line in live),
        end=max(line.service_date for line in live),
        client_ids=[claim.client_id],
        only_sessions={line.session_id for line in live},
        freeing=claim.pk,
    )
    units_only = [item for item in ready.left_out if _is_unit_reason(item)]
    blocking = [item for item in ready.left_out if not _is_unit_reason(item)]
    if blocking or ready.billed:
        reasons = sorted({r for item in blocking + ready.billed for r in item.reasons})
        raise ValidationError(
            f"Claim {claim.claim_id} cannot be replaced: {' '.join(reasons)} It is unchanged."
        )
    if not ready.lines:
        raise ValidationError(
            f"Nothing of claim {claim.claim_id} bills any more: void it instead. It is unchanged."
        )
    _free(live, LineState.REPLACED)
    return _correction(
        actor=actor,
        claim=claim,
        frequency=Frequency.REPLACEMENT,
        lines=ready.lines,
        left_out=units_only,
    )


def _is_unit_reason(item: NotReady) -> bool:
    """Left out by the unit rule alone (no unit, past the cap, a mode not
    paid, no minutes): the replacement drops the line."""
    return len(item.reasons) == 1 and any(
        word in item.reasons[0]
        for word in ("No billable unit", "daily cap", "does not pay", "never recorded")
    )
