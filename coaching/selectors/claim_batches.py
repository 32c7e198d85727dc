"""Reads of the claim batches made (issue 27): the list (no client named),
one batch with its claims and lines (audited, "claim_batch.view"), and the
acting reads of services (locked): a batch, a sent claim. Staff who bill
only (accounts/policy/billing.py claim_batch_scope, sent_claim_scope); a
batch anyone else asks for is a 404, as one that does not exist.
Re-exported by coaching/selectors/claims.py, the claims API."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    Sum,
)
from django.http import Http404

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy.billing import bills, claim_batch_scope, sent_claim_scope
from coaching.models import LIVE_STATES, Claim, ClaimBatch, ClaimLine
from sessions_log.models import Addendum


def corrected_after_sending() -> Q:
    """(On ClaimLine) a live line whose session's time an addendum corrected
    after the line was sent: what the payer holds is wrong until the claim
    is replaced (or voided)."""
    later = Addendum.objects.filter(
        Q(corrected_minutes__isnull=False) | Q(corrected_start__isnull=False),
        note__session_id=OuterRef("session_id"),
        signed_at__gt=OuterRef("claim__batch__created_at"),
    )
    return Q(Exists(later), state__in=LIVE_STATES)


def _line_figures(batch_ids) -> dict[int, dict]:
    """Per batch: lines per state, total charge, total paid, and how many
    sent lines were corrected since. One query."""
    figures: dict[int, dict] = defaultdict(
        lambda: {
            "states": {},
            "lines": 0,
            "charge": Decimal("0.00"),
            "paid": Decimal("0.00"),
            "corrected": 0,
        }
    )
    rows = (
        ClaimLine.objects.filter(claim__batch_id__in=batch_ids)
        .values("claim__batch_id", "state")
        .annotate(
            n=Count("pk"),
            charge=Sum("charge"),
            paid=Sum("paid_amount"),
            corrected=Count("pk", filter=corrected_after_sending()),
        )
        .order_by()
    )
    for row in rows:
        batch = figures[row["claim__batch_id"]]
        batch["states"][row["state"]] = row["n"]
        batch["lines"] += row["n"]
        batch["charge"] += row["charge"]
        batch["paid"] += row["paid"]
        batch["corrected"] += row["corrected"]
    return figures


def batches_for_viewing(user: User, *, limit: int = 50) -> list[dict]:
    """The latest batches `user` may see, newest first: programme, days,
    frequency, lines per state, total charge and paid. No client is named
    (nothing to audit). Two queries whatever the number of batches."""
    batches = list(
        ClaimBatch.objects.filter(claim_batch_scope(user)).select_related(
            "programme", "interchange"
        )[:limit]
    )
    figures = _line_figures([batch.pk for batch in batches])
    return [
        {
            "batch": batch,
            "programme": batch.programme.name,
            "first_day": batch.first_day,
            "last_day": batch.last_day,
            "frequency": batch.get_frequency_display(),
            **figures[batch.pk],
        }
        for batch in batches
    ]


def _batch(user: User, pk, *, lock: bool = False) -> ClaimBatch:
    batches = ClaimBatch.objects.filter(claim_batch_scope(user))
    if lock:
        batches = batches.select_for_update(of=("self",))
    batch = batches.select_related("programme", "interchange").filter(pk=pk).first()
    if batch is None:
        raise Http404("No such claim batch.")
    return batch


def batch_for_viewing(user: User, pk) -> dict:
    """One batch with its claims and their lines (client, date, code,
    modifiers, POS, units, charge, state, paid, reason codes); 404 outside
    `user`'s scope. The clients shown are audited as "claim_batch.view".
    Four queries and the audit."""
    batch = _batch(user, pk)
    lines = ClaimLine.objects.annotate(
        corrected=ExpressionWrapper(corrected_after_sending(), output_field=BooleanField())
    )
    claims = list(
        batch.claims.select_related("client", "coach", "original").prefetch_related(
            Prefetch("lines", queryset=lines)
        )
    )
    audit_clients_shown(actor=user, shown=[("claim_batch.view", [c.client for c in claims])])
    figures = _line_figures([batch.pk])[batch.pk]
    return {
        "batch": batch,
        "programme": batch.programme.name,
        "frequency": batch.get_frequency_display(),
        "claims": [
            {
                "claim": claim,
                "client": claim.client,
                "coach": claim.coach,
                "lines": [
                    {
                        "line": line,
                        "control_number": line.control_number,
                        "service_date": line.service_date,
                        "code": line.code,
                        "modifiers": tuple(line.modifiers),
                        "place_of_service": line.place_of_service,
                        "minutes": line.minutes,
                        "units": line.units,
                        "charge": line.charge,
                        "state": line.get_state_display(),
                        "state_code": line.state,
                        "paid": line.paid_amount,
                        "reason_codes": tuple(line.reason_codes),
                        "corrected": line.corrected,
                    }
                    for line in claim.lines.all()
                ],
                "can_correct": _can_correct(claim),
                "needs_replacement": any(line.corrected for line in claim.lines.all()),
            }
            for claim in claims
        ],
        **figures,
    }


def batch_for_change(user: User, pk) -> ClaimBatch:
    """A batch `user` acts on (accept), its row locked; staff who bill only
    (Http404 for anyone else, as for a batch that does not exist)."""
    return _batch(user, pk, lock=True)


def sent_claim_for_change(user: User, pk) -> Claim:
    """A sent claim `user` voids or replaces, its row and lines locked;
    staff who bill only (Http404 otherwise)."""
    claim = (
        Claim.objects.filter(sent_claim_scope(user))
        .select_for_update(of=("self",))
        .select_related("batch", "batch__programme", "client", "coach")
        .filter(pk=pk)
        .first()
    )
    if claim is None:
        raise Http404("No such claim.")
    list(claim.lines.select_for_update())
    return claim


def _can_correct(claim: Claim) -> bool:
    """A claim the payer answered (its claim number known) whose lines are
    still live can be voided or replaced."""
    lines = claim.lines.all()
    return bool(claim.payer_claim_number) and any(line.state in LIVE_STATES for line in lines)


@dataclass(frozen=True)
class ClaimPermissions:
    """What the claim pages offer, from the same policy as the services."""

    can_bill: bool = False
    can_correct: bool = False


def permissions_for(user: User, record=None) -> ClaimPermissions:
    """`record`: a Claim (with its lines prefetched), or None. No query
    without a record."""
    can_bill = bills(user)
    can_correct = can_bill and isinstance(record, Claim) and _can_correct(record)
    return ClaimPermissions(can_bill=can_bill, can_correct=can_correct)
