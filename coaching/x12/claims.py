"""What a professional claim holds, and the X12 837P (005010X222A1) that carries it.

Plain frozen dataclasses, checked when built (a claim that cannot be valid
cannot be made), and `write_837p`, a pure function: the same interchange
gives the same bytes. Loop and segment names follow the ASC X12 837P
implementation guide 005010X222A1; the patient is always the subscriber
(SBR02 = 18, no 2000C loop), as for a Medicaid member billed for themselves.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from coaching.x12 import identifiers as ids
from coaching.x12.segments import (
    COMPONENT,
    Envelope,
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
MAX_LINES = 50  # 2400 loop repeat in the guide
MAX_DIAGNOSES = 12  # HI01-HI12
FREQUENCIES = {"1": "original", "7": "replacement", "8": "void"}
SEXES = {"F", "M", "U"}


def _check(error: str | None) -> None:
    if error:
        raise ValueError(error)


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str  # 2-letter USPS code
    postal_code: str  # 5 or 9 digits (9 for the billing provider, 2010AA N403)
    line2: str = ""

    def __post_init__(self):
        if not (len(self.state) == 2 and self.state.isalpha() and self.state.isupper()):
            raise ValueError(f"A state is a 2-letter code such as CA: {self.state!r}.")
        if not (self.postal_code.isdigit() and len(self.postal_code) in (5, 9)):
            raise ValueError(f"A ZIP code is 5 or 9 digits: {self.postal_code!r}.")


@dataclass(frozen=True)
class Submitter:
    """1000A: who sends the file, with the contact the payer calls about it."""

    name: str
    submitter_id: str  # as the receiver assigned it (NM109, qualifier 46)
    contact_name: str
    contact_phone: str  # 10 digits

    def __post_init__(self):
        if not (self.contact_phone.isdigit() and len(self.contact_phone) == 10):
            raise ValueError(f"The contact phone is 10 digits: {self.contact_phone!r}.")


@dataclass(frozen=True)
class Receiver:
    """1000B: the payer or clearinghouse the file goes to."""

    name: str
    receiver_id: str


@dataclass(frozen=True)
class BillingProvider:
    """2000A/2010AA: the organisation billing, paid under its NPI and tax id."""

    name: str
    address: Address
    npi: str
    tax_id: str
    taxonomy: str

    def __post_init__(self):
        _check(ids.npi_error(self.npi))
        _check(ids.tax_id_error(self.tax_id))
        _check(ids.taxonomy_error(self.taxonomy))
        if len(self.address.postal_code) != 9:
            raise ValueError("The billing provider's ZIP code must be 9 digits (2010AA N403).")


@dataclass(frozen=True)
class Payer:
    """2010BB: the payer; `filing_code` is SBR09 (MC Medicaid, CI commercial...)."""

    name: str
    payer_id: str
    filing_code: str = "MC"


@dataclass(frozen=True)
class Subscriber:
    """2010BA: the member, named as on their card."""

    member_id: str
    last_name: str
    first_name: str
    birth_date: dt.date
    sex: str  # F, M or U
    address: Address | None = None
    middle_name: str = ""

    def __post_init__(self):
        if self.sex not in SEXES:
            raise ValueError(f"Sex on the claim is F, M or U: {self.sex!r}.")
        if not self.member_id.strip():
            raise ValueError("The member id is missing.")


@dataclass(frozen=True)
class RenderingProvider:
    """2310B: the coach who gave the service."""

    last_name: str
    first_name: str
    npi: str
    taxonomy: str

    def __post_init__(self):
        _check(ids.npi_error(self.npi))
        _check(ids.taxonomy_error(self.taxonomy))


@dataclass(frozen=True)
class ServiceLine:
    """2400: one procedure on one date of service."""

    code: str  # HCPCS, e.g. H0038
    charge: Decimal
    units: Decimal
    service_date: dt.date
    control_number: str  # REF*6R, echoed back on the 835
    modifiers: tuple[str, ...] = ()
    diagnosis_pointers: tuple[int, ...] = (1,)  # 1-based positions in Claim.diagnoses
    place_of_service: str = ""  # empty: the claim's

    def __post_init__(self):
        _check(ids.hcpcs_error(self.code))
        if len(self.modifiers) > 4:
            raise ValueError(f"A line carries at most 4 modifiers: {self.modifiers}.")
        for modifier in self.modifiers:
            _check(ids.modifier_error(modifier))
        if self.place_of_service:
            _check(ids.place_of_service_error(self.place_of_service))
        if self.units <= 0:
            raise ValueError(f"A billed line has at least one unit: {self.units}.")
        if self.charge < 0:
            raise ValueError(f"A line's charge cannot be negative: {self.charge}.")
        if not 1 <= len(self.diagnosis_pointers) <= 4:
            raise ValueError("A line points at 1 to 4 diagnoses (SV107).")
        if not 1 <= len(self.control_number) <= 50:
            raise ValueError("The line item control number is 1 to 50 characters (REF*6R).")


@dataclass(frozen=True)
class Claim:
    """2000B/2300: one claim of one member's services for one billing provider and payer."""

    claim_id: str  # CLM01, the patient control number, echoed on the 835 CLP01
    billing_provider: BillingProvider
    subscriber: Subscriber
    payer: Payer
    place_of_service: str
    diagnoses: tuple[str, ...]  # ICD-10-CM, the first is the principal (ABK)
    lines: tuple[ServiceLine, ...]
    total_charge: Decimal
    rendering_provider: RenderingProvider | None = None
    frequency: str = "1"
    original_claim_reference: str = ""  # the payer's claim number, for 7 and 8
    prior_authorization: str = ""

    def __post_init__(self):
        if not 1 <= len(self.claim_id) <= 20:
            raise ValueError(f"The claim id is 1 to 20 characters (CLM01): {self.claim_id!r}.")
        _check(ids.place_of_service_error(self.place_of_service))
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"The claim frequency is 1, 7 or 8: {self.frequency!r}.")
        if self.frequency != "1" and not self.original_claim_reference:
            raise ValueError(
                f"A {FREQUENCIES[self.frequency]} claim (frequency {self.frequency}) needs the "
                "payer's claim number of the claim it replaces or voids (REF*F8)."
            )
        if not 1 <= len(self.diagnoses) <= MAX_DIAGNOSES:
            raise ValueError(f"A claim has 1 to {MAX_DIAGNOSES} diagnosis codes.")
        for code in self.diagnoses:
            _check(ids.icd10_error(code))
        if not 1 <= len(self.lines) <= MAX_LINES:
            raise ValueError(f"A claim has 1 to {MAX_LINES} service lines: {len(self.lines)}.")
        for line in self.lines:
            if any(not 1 <= p <= len(self.diagnoses) for p in line.diagnosis_pointers):
                raise ValueError(
                    f"Line {line.control_number} points at a diagnosis the claim does not have: "
                    f"{line.diagnosis_pointers} (the claim has {len(self.diagnoses)})."
                )
        line_total = sum((line.charge for line in self.lines), Decimal(0))
        if line_total != self.total_charge:
            raise ValueError(
                f"Claim {self.claim_id}: the total charge {self.total_charge} is not the sum of "
                f"its lines' charges {line_total} (CLM02 must equal the SV102s)."
            )


@dataclass(frozen=True)
class ClaimTransaction:
    """One ST/SE: one submitter to one receiver; e.g. one per programme."""

    control_number: int  # ST02/SE02
    reference: str  # BHT03, the batch's own id
    submitter: Submitter
    receiver: Receiver
    claims: tuple[Claim, ...]

    def __post_init__(self):
        if not self.claims:
            raise ValueError("A transaction has at least one claim.")


@dataclass(frozen=True)
class Interchange:
    """One ISA/GS of 837P transactions; `transactions` keep the caller's order."""

    envelope: Envelope
    transactions: tuple[ClaimTransaction, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if not self.transactions:
            raise ValueError("An interchange has at least one transaction.")
        numbers = [t.control_number for t in self.transactions]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"Transaction control numbers repeat: {numbers}.")


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
        segment("NM1", "41", "2", text(submitter.name, "The submitter's name"), "", "", "", "",
                "46", text(submitter.submitter_id, "The submitter id")),
        segment("PER", "IC", text(submitter.contact_name, "The submitter's contact"),
                "TE", submitter.contact_phone),
        segment("NM1", "40", "2", text(receiver.name, "The receiver's name"), "", "", "", "",
                "46", text(receiver.receiver_id, "The receiver id")),
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
        segment("N3", text(address.line1, f"The {whose} address"),
                text(address.line2, f"The {whose} address")),
        segment("N4", text(address.city, f"The {whose} city"), address.state, address.postal_code),
    ]


def _billing_provider(provider: BillingProvider, hl: int) -> list[str]:
    return [
        segment("HL", str(hl), "", "20", "1"),  # 2000A, has children
        segment("PRV", "BI", "PXC", provider.taxonomy),
        segment("NM1", "85", "2", text(provider.name, "The billing provider's name"),
                "", "", "", "", "XX", provider.npi),
        *_address(provider.address, "billing provider's"),
        segment("REF", "EI", ids.tax_id_x12(provider.tax_id)),
    ]


def _subscriber(subscriber: Subscriber, payer: Payer, hl: int, parent: int) -> list[str]:
    lines = [
        # 2000B: no children (the patient is the subscriber); P primary, 18 self.
        segment("HL", str(hl), str(parent), "22", "0"),
        segment("SBR", "P", "18", "", "", "", "", "", "", text(payer.filing_code, "SBR09")),
        segment("NM1", "IL", "1",
                *_name("member", subscriber.last_name, subscriber.first_name,
                       subscriber.middle_name),
                "", "", "MI", text(subscriber.member_id, "The member id")),
    ]
    if subscriber.address:
        lines += _address(subscriber.address, "member's")
    lines.append(segment("DMG", "D8", date8(subscriber.birth_date), subscriber.sex))
    lines.append(segment("NM1", "PR", "2", text(payer.name, "The payer's name"),
                         "", "", "", "", "PI", text(payer.payer_id, "The payer id")))
    return lines


def _claim(claim: Claim) -> list[str]:
    place = COMPONENT.join([claim.place_of_service, "B", claim.frequency])
    lines = [
        # CLM06 Y provider signature on file, CLM07 A assigned, CLM08 Y benefits
        # assigned, CLM09 Y release of information signed.
        segment("CLM", text(claim.claim_id, "The claim id"), amount(claim.total_charge),
                "", "", place, "Y", "A", "Y", "Y"),
    ]
    # REF order in 2300 follows the guide: G1 prior authorisation before F8.
    if claim.prior_authorization:
        lines.append(segment("REF", "G1", text(claim.prior_authorization, "The prior auth")))
    if claim.frequency != "1":
        lines.append(segment("REF", "F8", text(claim.original_claim_reference, "REF*F8")))
    codes = [ids.icd10_x12(code) for code in claim.diagnoses]
    lines.append(segment("HI", *(
        COMPONENT.join(["ABK" if position == 0 else "ABF", code])
        for position, code in enumerate(codes)
    )))
    if claim.rendering_provider:
        rendering = claim.rendering_provider
        lines += [
            segment("NM1", "82", "1", *_name("rendering provider", rendering.last_name,
                                             rendering.first_name),
                    "", "", "XX", rendering.npi),
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
        segment("SV1", procedure, amount(line.charge), "UN", quantity(line.units),
                place, "", pointers),
        segment("DTP", "472", "D8", date8(line.service_date)),
        segment("REF", "6R", text(line.control_number, "The line item control number")),
    ]
