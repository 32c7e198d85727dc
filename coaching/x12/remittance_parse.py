"""Reading validated 835 segments into a Remittance, and the guide's balancing rules.

Called by remittance.read_835 after the envelope checks and pyx12's
validation, so what is left to catch here is a value that does not read
(a number or date) and amounts that do not add up.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from coaching.x12.claim_data import Address
from coaching.x12.remittance_data import (
    Adjustment,
    ClaimPayment,
    LinePayment,
    Remittance,
    RemittanceError,
)
from coaching.x12.segments import ELEMENT

# What a Remittance cannot be made without, and where an 835 says it.
_REQUIRED = {
    "payment_amount": "the payment (BPR)",
    "payment_method": "the payment method (BPR04)",
    "payment_date": "the payment date (BPR16)",
    "trace_number": "the trace number (TRN)",
    "payer_tax_id": "the payer's id (TRN03)",
    "payer_name": "the payer (N1*PR)",
    "payee_name": "the payee (N1*PE)",
    "payee_npi": "the payee's NPI (N1*PE*...*XX)",
}


def _el(seg: list[str], position: int) -> str:
    return seg[position].strip() if len(seg) > position else ""


def _decimal(value: str, what: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a number") from None


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a date only
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a CCYYMMDD date") from None


def _adjustments(seg: list[str]) -> list[Adjustment]:
    """CAS01 group, then up to 6 (reason, amount, quantity) triples from CAS02."""
    found = []
    for start in range(2, 20, 3):
        reason = _el(seg, start)
        if reason:
            count = _el(seg, start + 2)
            found.append(
                Adjustment(
                    _el(seg, 1),
                    reason,
                    _decimal(_el(seg, start + 1), "The adjustment amount"),
                    _decimal(count, "The adjustment quantity") if count else None,
                )
            )
    return found


def parse_segments(segments: list[list[str]], component: str) -> Remittance:
    """The validated segments as a Remittance; a value that does not read names its segment."""
    head: dict = {"claims": [], "provider_adjustments": Decimal(0)}
    party = claim = line = None
    for number, seg in enumerate(segments, start=1):
        try:
            party, claim, line = _read_segment(seg, head, party, claim, line, component)
        except ValueError as error:
            raise RemittanceError(
                f"Segment {number} ({ELEMENT.join(seg)[:60]}) cannot be read: {error}."
            ) from None
    claims = tuple(
        ClaimPayment(
            **{
                **c,
                "lines": tuple(_frozen_line(ln) for ln in c["lines"]),
                "adjustments": tuple(c["adjustments"]),
            }
        )
        for c in head.pop("claims")
    )
    address = head.pop("address", None)
    try:
        payer_address = Address(*address) if address else None
    except (TypeError, ValueError):
        payer_address = None  # kept only for display: an odd ZIP does not void a payment
    missing = sorted(set(_REQUIRED) - set(head))
    if missing:
        # pyx12 requires these segments, so only a file it let through oddly lands here.
        raise RemittanceError("The 835 lacks " + ", ".join(_REQUIRED[key] for key in missing) + ".")
    return Remittance(**head, claims=claims, payer_address=payer_address)


def _frozen_line(line: dict) -> LinePayment:
    return LinePayment(**{**line, "adjustments": tuple(line["adjustments"])})


def _read_segment(seg, head, party, claim, line, component):
    """Fold one segment into `head`; returns the (party, claim, line) being read."""
    tag = seg[0].strip()
    if tag == "BPR":
        head["payment_amount"] = _decimal(_el(seg, 2), "The payment amount (BPR02)")
        head["payment_method"] = _el(seg, 4)
        head["payment_date"] = _date(_el(seg, 16), "The payment date (BPR16)")
    elif tag == "TRN":
        head["trace_number"] = _el(seg, 2)
        payer = _el(seg, 3)
        head["payer_tax_id"] = payer[1:] if len(payer) == 10 and payer[0] == "1" else payer
    elif tag == "N1" and claim is None:
        party = _el(seg, 1)
        if party == "PR":
            head["payer_name"] = _el(seg, 2)
        elif party == "PE":
            head["payee_name"] = _el(seg, 2)
            head["payee_npi"] = _el(seg, 4) if _el(seg, 3) == "XX" else ""
    elif tag == "N3" and party == "PR" and claim is None:
        head["address"] = [_el(seg, 1)]
    elif tag == "N4" and party == "PR" and claim is None and "address" in head:
        head["address"] += [_el(seg, 1), _el(seg, 2), _el(seg, 3)]
    elif tag == "PER" and _el(seg, 1) == "BL":
        for position in (3, 5, 7):
            if _el(seg, position) == "TE":
                head["payer_contact_phone"] = _el(seg, position + 1)
                break
    elif tag == "REF" and _el(seg, 1) == "TJ" and claim is None:
        head["payee_tax_id"] = _el(seg, 2)
    elif tag == "CLP":
        claim, line = (
            {
                "claim_id": _el(seg, 1),
                "status": _el(seg, 2),
                "charge": _decimal(_el(seg, 3), "The claim charge (CLP03)"),
                "paid": _decimal(_el(seg, 4), "The claim payment (CLP04)"),
                "patient_responsibility": _decimal(_el(seg, 5) or "0", "CLP05"),
                "filing_code": _el(seg, 6),
                "payer_claim_number": _el(seg, 7),
                "place_of_service": _el(seg, 8),
                "frequency": _el(seg, 9),
                "member_id": "",
                "last_name": "",
                "first_name": "",
                "lines": [],
                "adjustments": [],
            },
            None,
        )
        head["claims"].append(claim)
    elif tag == "CAS" and claim is not None:
        (line or claim)["adjustments"] += _adjustments(seg)
    elif tag == "NM1" and _el(seg, 1) == "QC" and claim is not None:
        claim.update(last_name=_el(seg, 3), first_name=_el(seg, 4), member_id=_el(seg, 9))
    elif tag == "SVC" and claim is not None:
        procedure = _el(seg, 1).split(component)
        line = {
            "code": procedure[1] if len(procedure) > 1 else "",
            "modifiers": tuple(m for m in procedure[2:6] if m),
            "charge": _decimal(_el(seg, 2), "The line charge (SVC02)"),
            "paid": _decimal(_el(seg, 3), "The line payment (SVC03)"),
            # SVC05 is left out when one unit was paid (835 guide, SVC05).
            "units": _decimal(_el(seg, 5) or "1", "The units paid (SVC05)"),
            "control_number": "",
            "service_date": None,
            "adjustments": [],
        }
        claim["lines"].append(line)
    elif tag == "DTM" and _el(seg, 1) == "472" and line is not None:
        line["service_date"] = _date(_el(seg, 2), "The date of service (DTM*472)")
    elif tag == "REF" and _el(seg, 1) == "6R" and line is not None:
        line["control_number"] = _el(seg, 2)
    elif tag == "PLB":
        for position in range(4, len(seg), 2):
            head["provider_adjustments"] += _decimal(_el(seg, position) or "0", "A PLB amount")
    return party, claim, line


def check_balance(remittance: Remittance) -> None:
    """The 835 guide's balancing rules; a file that breaks them is not trusted to mark lines."""
    for claim in remittance.claims:
        line_adjusted = Decimal(0)
        for position, line in enumerate(claim.lines, start=1):
            adjusted = sum((a.amount for a in line.adjustments), Decimal(0))
            line_adjusted += adjusted
            if line.charge - adjusted != line.paid:
                raise RemittanceError(
                    f"Claim {claim.claim_id}, line {line.control_number or position}: the charge "
                    f"{line.charge} less its adjustments {adjusted} is {line.charge - adjusted}, "
                    f"but the payer paid {line.paid} (SVC03): the file does not balance."
                )
        claim_adjusted = sum((a.amount for a in claim.adjustments), Decimal(0))
        expected = claim.charge - claim_adjusted - line_adjusted
        if claim.lines and expected != claim.paid:
            raise RemittanceError(
                f"Claim {claim.claim_id}: the charge {claim.charge} less its adjustments "
                f"{claim_adjusted + line_adjusted} is {expected}, but the payer paid {claim.paid} "
                "(CLP04): the file does not balance."
            )
    total = sum((claim.paid for claim in remittance.claims), Decimal(0))
    if total - remittance.provider_adjustments != remittance.payment_amount:
        raise RemittanceError(
            f"The payment {remittance.payment_amount} (BPR02) is not the claims' payments {total} "
            f"less the provider adjustments {remittance.provider_adjustments} (PLB): "
            "the file does not balance."
        )
