"""What a professional claim holds, and the X12 837P (005010X222A1) that carries it.

The frozen dataclasses live in claim_data.py and are re-exported here;
`write_837p` is a pure function: the same interchange
gives the same bytes. Loop and segment names follow the ASC X12 837P
implementation guide 005010X222A1; the patient is always the subscriber
(SBR02 = 18, no 2000C loop), as for a Medicaid member billed for themselves.
"""

import datetime as dt
from collections.abc import Iterator

from coaching.x12 import identifiers as ids
from coaching.x12.claim_data import (
    Address,
    BillingProvider,
    Claim,
    ClaimTransaction,
    Interchange,
    Payer,
    Receiver,
    RenderingProvider,
    ServiceLine,
    Submitter,
    Subscriber,
)
from coaching.x12.segments import (
    COMPONENT,
    amount,
    date8,
    interchange_header,
    interchange_trailer,
    quantity,
    segment,
    text,
    transaction_control,
)

VERSION = "005010X222A1"
# The dataclasses are part of this module's API: callers build them from here.
__all__ = [
    "Address",
    "BillingProvider",
    "Claim",
    "ClaimTransaction",
    "Interchange",
    "Payer",
    "Receiver",
    "RenderingProvider",
    "ServiceLine",
    "Submitter",
    "Subscriber",
    "write_837p",
]


def write_837p(interchange: Interchange) -> str:
    """The interchange as X12 837P 005010X222A1 text, one segment per line."""
    envelope = interchange.envelope
    out = interchange_header(envelope, "HC", VERSION)
    for transaction in interchange.transactions:
        out += _transaction(transaction, envelope.created)
    out += interchange_trailer(envelope, len(interchange.transactions))
    return "\n".join(out) + "\n"


def _transaction(transaction: ClaimTransaction, created: dt.datetime) -> list[str]:
    control = transaction_control(transaction.control_number)
    submitter, receiver = transaction.submitter, transaction.receiver
    body = [
        segment("ST", "837", control, VERSION),
        # 0019 information source/subscriber/dependent structure, 00 original,
        # CH chargeable (a claim, not an encounter report).
        segment(
            "BHT",
            "0019",
            "00",
            text(transaction.reference, "The batch reference"),
            date8(created),
            created.strftime("%H%M"),
            "CH",
        ),
        # 1000A submitter, 1000B receiver: organisations (2), ids as assigned (46).
        segment(
            "NM1",
            "41",
            "2",
            text(submitter.name, "The submitter's name"),
            "",
            "",
            "",
            "",
            "46",
            text(submitter.submitter_id, "The submitter id"),
        ),
        segment(
            "PER",
            "IC",
            text(submitter.contact_name, "The submitter's contact"),
            "TE",
            submitter.contact_phone,
        ),
        segment(
            "NM1",
            "40",
            "2",
            text(receiver.name, "The receiver's name"),
            "",
            "",
            "",
            "",
            "46",
            text(receiver.receiver_id, "The receiver id"),
        ),
    ]
    hl = 0
    for provider, by_member in _grouped(transaction.claims):
        hl += 1
        provider_hl = hl
        body += _billing_provider(provider, provider_hl)
        for (subscriber, payer), claims in by_member:
            hl += 1
            body += _subscriber(subscriber, payer, hl, provider_hl)
            for claim in claims:
                body += _claim(claim)
    body.append(segment("SE", str(len(body) + 1), control))
    return body


def _grouped(claims: tuple[Claim, ...]) -> Iterator:
    """Claims by billing provider, then by member and payer, in first-seen order.

    One 2000A per provider and one 2000B per member and payer under it, as the
    guide's hierarchy asks (a subscriber's claims share one HL).
    """
    providers: dict = {}
    for claim in claims:
        members = providers.setdefault(claim.billing_provider, {})
        members.setdefault((claim.subscriber, claim.payer), []).append(claim)
    for provider, members in providers.items():
        yield provider, list(members.items())


def _name(kind: str, last: str, first: str = "", middle: str = "") -> list[str]:
    return [
        text(last, f"The {kind}'s last name"),
        text(first, f"The {kind}'s first name"),
        text(middle, f"The {kind}'s middle name"),
    ]


def _address(address: Address, whose: str) -> list[str]:
    return [
        segment(
            "N3",
            text(address.line1, f"The {whose} address"),
            text(address.line2, f"The {whose} address"),
        ),
        segment("N4", text(address.city, f"The {whose} city"), address.state, address.postal_code),
    ]


def _billing_provider(provider: BillingProvider, hl: int) -> list[str]:
    return [
        segment("HL", str(hl), "", "20", "1"),  # 2000A, has children
        segment("PRV", "BI", "PXC", provider.taxonomy),
        segment(
            "NM1",
            "85",
            "2",
            text(provider.name, "The billing provider's name"),
            "",
            "",
            "",
            "",
            "XX",
            provider.npi,
        ),
        *_address(provider.address, "billing provider's"),
        segment("REF", "EI", ids.tax_id_x12(provider.tax_id)),
    ]


def _subscriber(subscriber: Subscriber, payer: Payer, hl: int, parent: int) -> list[str]:
    lines = [
        # 2000B: no children (the patient is the subscriber); P primary, 18 self.
        segment("HL", str(hl), str(parent), "22", "0"),
        segment("SBR", "P", "18", "", "", "", "", "", "", text(payer.filing_code, "SBR09")),
        segment(
            "NM1",
            "IL",
            "1",
            *_name("member", subscriber.last_name, subscriber.first_name, subscriber.middle_name),
            "",
            "",
            "MI",
            text(subscriber.member_id, "The member id"),
        ),
    ]
    if subscriber.address:
        lines += _address(subscriber.address, "member's")
    lines.append(segment("DMG", "D8", date8(subscriber.birth_date), subscriber.sex))
    lines.append(
        segment(
            "NM1",
            "PR",
            "2",
            text(payer.name, "The payer's name"),
            "",
            "",
            "",
            "",
            "PI",
            text(payer.payer_id, "The payer id"),
        )
    )
    return lines


def _claim(claim: Claim) -> list[str]:
    place = COMPONENT.join([claim.place_of_service, "B", claim.frequency])
    lines = [
        # CLM06 Y provider signature on file, CLM07 A assigned, CLM08 Y benefits
        # assigned, CLM09 Y release of information signed.
        segment(
            "CLM",
            text(claim.claim_id, "The claim id"),
            amount(claim.total_charge),
            "",
            "",
            place,
            "Y",
            "A",
            "Y",
            "Y",
        ),
    ]
    # REF order in 2300 follows the guide: G1 prior authorisation before F8.
    if claim.prior_authorization:
        lines.append(segment("REF", "G1", text(claim.prior_authorization, "The prior auth")))
    if claim.frequency != "1":
        lines.append(segment("REF", "F8", text(claim.original_claim_reference, "REF*F8")))
    codes = [ids.icd10_x12(code) for code in claim.diagnoses]
    lines.append(
        segment(
            "HI",
            *(
                COMPONENT.join(["ABK" if position == 0 else "ABF", code])
                for position, code in enumerate(codes)
            ),
        )
    )
    if claim.rendering_provider:
        rendering = claim.rendering_provider
        lines += [
            segment(
                "NM1",
                "82",
                "1",
                *_name("rendering provider", rendering.last_name, rendering.first_name),
                "",
                "",
                "XX",
                rendering.npi,
            ),
            segment("PRV", "PE", "PXC", rendering.taxonomy),
        ]
    for number, line in enumerate(claim.lines, start=1):
        lines += _service_line(number, line, claim.place_of_service)
    return lines


def _service_line(number: int, line: ServiceLine, claim_place: str) -> list[str]:
    procedure = COMPONENT.join(["HC", line.code, *line.modifiers])
    # SV105 only when the line's place differs from the claim's (guide's rule).
    place = line.place_of_service if line.place_of_service != claim_place else ""
    pointers = COMPONENT.join(str(p) for p in line.diagnosis_pointers)
    return [
        segment("LX", str(number)),
        segment(
            "SV1", procedure, amount(line.charge), "UN", quantity(line.units), place, "", pointers
        ),
        segment("DTP", "472", "D8", date8(line.service_date)),
        segment("REF", "6R", text(line.control_number, "The line item control number")),
    ]
