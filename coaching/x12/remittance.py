"""The X12 835 (005010X221A1) remittance advice: what a payer paid or denied, per line.

`read_835` turns an uploaded file into plain dataclasses, or refuses it with a
`RemittanceError` whose message says which segment is wrong and how: a file
that is not X12, is another transaction (an 837 uploaded by mistake), is cut
short, fails pyx12's validation against the 835 map, or does not balance.
Nothing is half-read: the caller gets a whole Remittance or an error.

`write_835` writes a Remittance as an 835, for the tests and the demo (a
payer's real file comes from the payer); payer.remittance_for makes one that
answers given claims. The dataclasses live in remittance_data.py.
"""

from collections.abc import Sequence

from coaching.x12.remittance_data import (
    DENIED,
    PROCESSED_AS_PRIMARY,
    Adjustment,
    ClaimPayment,
    LinePayment,
    Remittance,
    RemittanceError,
)
from coaching.x12.remittance_parse import check_balance, parse_segments
from coaching.x12.segments import (
    COMPONENT,
    Envelope,
    amount,
    component_separator,
    date8,
    interchange_header,
    interchange_trailer,
    quantity,
    segment,
    split_segments,
    text,
    transaction_control,
)
from coaching.x12.validate import validate

VERSION = "005010X221A1"
_KINDS = {
    "837": "an 837 health care claim",
    "999": "a 999 implementation acknowledgment",
    "997": "a 997 functional acknowledgment",
    "277": "a 277 claim status response",
    "270": "a 270 eligibility inquiry",
    "271": "a 271 eligibility response",
    "834": "an 834 enrolment file",
}
# pyx12's 835 map marks ST03 "Not Used", yet 5010 put ST03 (the guide's id,
# the same as GS08) in every transaction and payers send it. The envelope check
# holds ST03 to 005010X221A1; this one pyx12 finding is not held against a file.
_ST03_NOT_USED = '"Implementation Convention Reference" (ST03) is marked as Not Used'
# The dataclasses are part of this module's API.
__all__ = [
    "DENIED",
    "PROCESSED_AS_PRIMARY",
    "Adjustment",
    "ClaimPayment",
    "LinePayment",
    "Remittance",
    "RemittanceError",
    "read_835",
    "write_835",
]


def read_835(text_: str) -> Remittance:
    """The remittance in `text_`, or RemittanceError saying what is wrong with the file.

    Our own envelope checks come first because their messages are plainer
    than a validator's ("this is an 837, not an 835"); then pyx12 checks the
    file against the 835 map; then the amounts must balance.
    """
    if not text_ or not text_.strip():
        raise RemittanceError("The file is empty.")
    try:
        segments = split_segments(text_)
    except ValueError as error:
        raise RemittanceError(
            f"This is not an X12 file: {error}. An 835 remittance starts with 'ISA*'."
        ) from None
    _check_envelope(segments)
    errors = [error for error in validate(text_) if _ST03_NOT_USED not in error]
    if errors:
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise RemittanceError(
            "The 835 does not pass validation against the 005010X221A1 guide: "
            + "; ".join(errors[:5])
            + more,
            errors,
        )
    remittance = parse_segments(segments, component_separator(text_))
    check_balance(remittance)
    return remittance


def _check_envelope(segments: list[list[str]]) -> None:
    tags = [seg[0].strip() for seg in segments]
    kinds = [seg[1] if len(seg) > 1 else "" for seg in segments if seg[0] == "ST"]
    if not kinds:
        raise RemittanceError(
            "The file has an X12 header but no transaction (no ST segment): it is cut short."
        )
    foreign = sorted({kind for kind in kinds if kind != "835"})
    if foreign:
        kind = foreign[0]
        hint = (
            " It looks like a claim file, not the payer's answer to one." if kind == "837" else ""
        )
        raise RemittanceError(
            f"This is an X12 {kind} file ({_KINDS.get(kind, 'another transaction')}), "
            f"not an 835 remittance advice (segment ST*{kind}).{hint}"
        )
    if len(kinds) > 1:
        raise RemittanceError(
            f"The file holds {len(kinds)} remittances (ST segments); upload one payment at a time."
        )
    versions = [seg[8] if len(seg) > 8 else "" for seg in segments if seg[0] == "GS"]
    versions += [seg[3] for seg in segments if seg[0] == "ST" and len(seg) > 3 and seg[3]]
    if versions and versions[0] != VERSION:
        raise RemittanceError(
            f"The 835 is version {versions[0] or '(none)'} (GS08); only {VERSION} (HIPAA 5010) "
            "is read."
        )
    if any(version != VERSION for version in versions[1:]):
        raise RemittanceError(
            f"The 835 names the guide {versions[-1]} in ST03 where GS08 says {versions[0]}; "
            f"only {VERSION} is read."
        )
    missing = [
        name
        for tag, name in (
            ("SE", "SE transaction trailer"),
            ("GE", "GE group trailer"),
            ("IEA", "IEA interchange trailer"),
        )
        if tag not in tags
    ]
    if missing or tags[-1] != "IEA":
        raise RemittanceError(
            f"The file is cut short: it ends at segment {len(tags)} ({tags[-1]}) without the "
            f"{', '.join(missing) or 'IEA interchange trailer at the end'}. "
            "Ask the payer or clearinghouse to send it again."
        )


def write_835(remittance: Remittance, envelope: Envelope, control_number: int = 1) -> str:
    """`remittance` as X12 835 005010X221A1 text, one segment per line."""
    if remittance.payer_address is None or not remittance.payer_contact_phone:
        raise ValueError(
            "An 835 names the payer's address and technical contact (1000A N3/N4/PER)."
        )
    # CHK (a check) and NON (no payment) need none of the bank routing elements
    # BPR05-BPR15 that ACH and wire transfers carry, which this writer does not write.
    paying = remittance.payment_amount > 0
    if (remittance.payment_method, paying) not in (("CHK", True), ("NON", False)):
        raise ValueError(
            "This writer writes a payment by check (CHK) or a notice of no payment (NON): "
            f"{remittance.payment_method} for {remittance.payment_amount}."
        )
    control = transaction_control(control_number)
    body = [
        # ST03 is "Not Used" in the 835 guide (unlike the 837's).
        segment("ST", "835", control),
        # BPR01 I remittance with payment, H notification only.
        segment(
            "BPR",
            "I" if paying else "H",
            amount(remittance.payment_amount),
            "C",
            remittance.payment_method,
            *[""] * 11,
            date8(remittance.payment_date),
        ),
        # TRN03 is the payer's EIN preceded by "1" (835 guide, TRN03).
        segment(
            "TRN",
            "1",
            text(remittance.trace_number, "The trace number"),
            "1" + remittance.payer_tax_id,
        ),
        segment("N1", "PR", text(remittance.payer_name, "The payer's name")),
        segment("N3", text(remittance.payer_address.line1, "The payer's address")),
        segment(
            "N4",
            text(remittance.payer_address.city, "The payer's city"),
            remittance.payer_address.state,
            remittance.payer_address.postal_code,
        ),
        segment("PER", "BL", "", "TE", remittance.payer_contact_phone),
        segment(
            "N1", "PE", text(remittance.payee_name, "The payee's name"), "XX", remittance.payee_npi
        ),
    ]
    if remittance.payee_tax_id:
        body.append(segment("REF", "TJ", remittance.payee_tax_id))
    body.append(segment("LX", "1"))
    for claim in remittance.claims:
        body += _claim_segments(claim)
    body.append(segment("SE", str(len(body) + 1), control))
    out = interchange_header(envelope, "HP", VERSION) + body + interchange_trailer(envelope, 1)
    return "\n".join(out) + "\n"


def _cas(adjustments: Sequence[Adjustment]) -> list[str]:
    """One CAS per group code, up to 6 reason/amount/quantity triples each."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    lines = []
    for group, items in by_group.items():
        if len(items) > 6:
            raise ValueError(f"At most 6 adjustments per group code in one CAS: {group}.")
        triples = []
        for item in items:
            triples += [
                item.reason,
                amount(item.amount),
                quantity(item.quantity) if item.quantity is not None else "",
            ]
        lines.append(segment("CAS", group, *triples))
    return lines


def _claim_segments(claim: ClaimPayment) -> list[str]:
    responsibility = amount(claim.patient_responsibility) if claim.patient_responsibility else ""
    lines = [
        segment(
            "CLP",
            text(claim.claim_id, "The claim id"),
            claim.status,
            amount(claim.charge),
            amount(claim.paid),
            responsibility,
            claim.filing_code,
            text(claim.payer_claim_number, "The payer claim number"),
            claim.place_of_service,
            claim.frequency,
        ),
        *_cas(claim.adjustments),
        segment(
            "NM1",
            "QC",
            "1",
            text(claim.last_name, "The patient's last name"),
            text(claim.first_name, "The patient's first name"),
            "",
            "",
            "",
            "MI",
            text(claim.member_id, "The member id"),
        ),
    ]
    for line in claim.lines:
        lines += [
            segment(
                "SVC",
                COMPONENT.join(["HC", line.code, *line.modifiers]),
                amount(line.charge),
                amount(line.paid),
                "",
                quantity(line.units),
            ),
        ]
        if line.service_date:
            lines.append(segment("DTM", "472", date8(line.service_date)))
        lines += _cas(line.adjustments)
        if line.control_number:
            lines.append(segment("REF", "6R", text(line.control_number, "REF*6R")))
    return lines
