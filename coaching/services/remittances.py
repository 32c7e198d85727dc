"""Uploading a payer's remittance (X12 835, 005010X221A1): each line the
835 answers is marked paid or denied, with the amount paid and the payer's
adjustment codes (e.g. CO-197), and each claim keeps the payer's claim
number (CLP07) that a replacement or void will cite.

All or nothing, in one transaction: a file that is not a valid 835, is for
another payee, answers a claim or line the organisation never sent, or was
uploaded already is refused with a message saying why, and nothing changes.
Audited as "remittance.upload"."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from coaching.models import BillingOrganisation, Claim, ClaimLine, LineState, Remittance
from coaching.selectors.remittances import remittance_lines_for_change
from coaching.x12.remittance import RemittanceError, read_835
from coaching.x12.remittance_data import Remittance as RemittanceData

# A line voided or replaced is answered through the claim that voided or
# replaced it, never on its own.
_ANSWERABLE = {LineState.IN_BATCH, LineState.ACCEPTED, LineState.PAID, LineState.DENIED}


@transaction.atomic
def remittance_apply(*, actor: User, text: str) -> Remittance:
    """The remittance in `text`, recorded, its lines marked paid (anything
    paid) or denied (nothing paid); ValidationError with a message for the
    person uploading it, and nothing changed, when it cannot be used. The
    Remittance returned carries `lines_paid` and `lines_denied`."""
    try:
        data = read_835(text)
    except RemittanceError as error:
        raise ValidationError(f"This is not a valid 835: {error}") from None
    organisation = BillingOrganisation.objects.current()
    if organisation is None:
        raise ValidationError(
            "Enter the organisation's billing identity (its NPI) before uploading remittances."
        )
    if data.payee_npi != organisation.npi:
        raise ValidationError(
            f"This remittance is for another payee: {data.payee_name} (NPI {data.payee_npi}), "
            f"not {organisation.name} (NPI {organisation.npi})."
        )
    if not data.claims:
        raise ValidationError("This remittance answers no claim: there is nothing to record.")
    lines = remittance_lines_for_change(actor, [claim.claim_id for claim in data.claims])
    _refuse_a_repeat(data)
    answered = _answered_lines(data, lines)
    remittance = _record(actor, data, text)
    now = timezone.now()
    for line, payment in answered:
        line.state = LineState.PAID if payment.paid > 0 else LineState.DENIED
        line.paid_amount = payment.paid
        line.reason_codes = list(payment.reason_codes)
        line.state_at = now
        line.remittance = remittance
    ClaimLine.objects.bulk_update(
        [line for line, _ in answered],
        ["state", "paid_amount", "reason_codes", "state_at", "remittance"],
    )
    claims = {line.claim.claim_id: line.claim for line, _ in answered}
    for claim in data.claims:
        claims[claim.claim_id].payer_claim_number = claim.payer_claim_number
    Claim.objects.bulk_update(list(claims.values()), ["payer_claim_number"])
    audit_record(actor=actor, action="remittance.upload", obj=remittance)
    remittance.lines_paid = sum(1 for line, _ in answered if line.state == LineState.PAID)
    remittance.lines_denied = len(answered) - remittance.lines_paid
    return remittance


def _refuse_a_repeat(data: RemittanceData) -> None:
    earlier = Remittance.objects.filter(
        payer_tax_id=data.payer_tax_id, trace_number=data.trace_number
    ).first()
    if earlier is not None:
        raise ValidationError(
            f"This remittance (trace number {data.trace_number}) was uploaded already on "
            f"{timezone.localdate(earlier.uploaded_at).isoformat()}."
        )


def _answered_lines(data: RemittanceData, lines: list[ClaimLine]) -> list[tuple]:
    """Each of our lines with the 835's answer to it; ValidationError naming
    the first claim or line that is not ours."""
    claims = {line.claim.claim_id for line in lines}
    by_number = {(line.claim.claim_id, line.control_number): line for line in lines}
    answered = []
    for claim in data.claims:
        if claim.claim_id not in claims:
            raise ValidationError(
                f"This remittance answers claim {claim.claim_id}, which is not one of ours: "
                "nothing was recorded."
            )
        if not claim.lines:
            raise ValidationError(
                f"Claim {claim.claim_id} is answered without its service lines: "
                "nothing was recorded."
            )
        for payment in claim.lines:
            line = by_number.get((claim.claim_id, payment.control_number))
            if line is None:
                raise ValidationError(
                    f"Claim {claim.claim_id}: the line {payment.control_number or '(no REF*6R)'} "
                    "is not one of that claim's lines: nothing was recorded."
                )
            if line.state not in _ANSWERABLE:
                raise ValidationError(
                    f"Claim {claim.claim_id}: the line {payment.control_number} was "
                    f"{line.get_state_display().lower()}; nothing was recorded."
                )
            answered.append((line, payment))
    return answered


def _record(actor: User, data: RemittanceData, text: str) -> Remittance:
    try:
        # A savepoint: a second upload racing this one loses on the unique
        # trace number, and the outer transaction can still say why.
        with transaction.atomic():
            return Remittance.objects.create(
                payer_name=data.payer_name[:60],
                trace_number=data.trace_number,
                payer_tax_id=data.payer_tax_id,
                payment_date=data.payment_date,
                payment_amount=data.payment_amount,
                file_text=text,
                uploaded_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            f"This remittance (trace number {data.trace_number}) was uploaded already."
        ) from None
