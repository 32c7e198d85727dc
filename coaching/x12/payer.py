"""A stand-in payer: the 835 answer to given claims, for the tests and the demo.

Real remittances come from payers; this one lets a round trip (837 out, 835
back) be tested and demonstrated without one, with paid, partly paid and
denied lines carrying real CARC group/reason codes.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from coaching.x12.claim_data import Address, Claim
from coaching.x12.remittance_data import (
    DENIED,
    PROCESSED_AS_PRIMARY,
    Adjustment,
    ClaimPayment,
    LinePayment,
    Remittance,
)


def remittance_for(
    claims: Sequence[Claim],
    *,
    payment_date: dt.date,
    trace_number: str,
    payer_tax_id: str = "999999999",
    payer_address: Address | None = None,
    payer_contact_phone: str = "8005550100",
    denied: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    paid: Mapping[str, Decimal] | None = None,
) -> Remittance:
    """A payer's answer to `claims`: every line paid in full unless listed.

    `denied` maps a line's control number to its (group, reason) codes, e.g.
    {"L2": [("CO", "197")]}: the whole charge is adjusted under the first code
    and the others are recorded with a zero amount. `paid` maps a line to a
    smaller amount paid, the rest adjusted as CO-45 (charge exceeds the fee
    schedule). Payer claim numbers are the trace number and the claim's place.
    The payer and payee are the first claim's (one payer pays one payee per 835).
    """
    if not claims:
        raise ValueError("A remittance answers at least one claim.")
    denied, paid = denied or {}, paid or {}
    results = []
    for index, claim in enumerate(claims, start=1):
        lines = []
        for line in claim.lines:
            codes = denied.get(line.control_number)
            if codes:
                adjustments = [Adjustment(codes[0][0], codes[0][1], line.charge)]
                adjustments += [Adjustment(group, code, Decimal(0)) for group, code in codes[1:]]
                line_paid = Decimal(0)
            else:
                line_paid = paid.get(line.control_number, line.charge)
                rest = line.charge - line_paid
                adjustments = [Adjustment("CO", "45", rest)] if rest else []
            lines.append(
                LinePayment(
                    code=line.code,
                    modifiers=line.modifiers,
                    charge=line.charge,
                    paid=line_paid,
                    units=line.units,
                    service_date=line.service_date,
                    control_number=line.control_number,
                    adjustments=tuple(adjustments),
                )
            )
        claim_paid = sum((line.paid for line in lines), Decimal(0))
        results.append(
            ClaimPayment(
                claim_id=claim.claim_id,
                status=PROCESSED_AS_PRIMARY if claim_paid > 0 else DENIED,
                charge=claim.total_charge,
                paid=claim_paid,
                payer_claim_number=f"{trace_number}-{index}",
                member_id=claim.subscriber.member_id,
                last_name=claim.subscriber.last_name,
                first_name=claim.subscriber.first_name,
                filing_code=claim.payer.filing_code,
                place_of_service=claim.place_of_service,
                frequency=claim.frequency,
                lines=tuple(lines),
            )
        )
    provider = claims[0].billing_provider
    return Remittance(
        payer_name=claims[0].payer.name,
        payer_tax_id=payer_tax_id,
        payer_address=payer_address or Address("1 Payer Plaza", "Springfield", "IL", "62701"),
        payer_contact_phone=payer_contact_phone,
        payee_name=provider.name,
        payee_npi=provider.npi,
        payee_tax_id=provider.tax_id.replace("-", ""),
        payment_amount=sum((claim.paid for claim in results), Decimal(0)),
        payment_method="CHK" if any(claim.paid for claim in results) else "NON",
        payment_date=payment_date,
        trace_number=trace_number,
        claims=tuple(results),
    )
