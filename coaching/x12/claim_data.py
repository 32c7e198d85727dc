"""What a professional claim holds: plain frozen dataclasses, checked when built.

A claim that could not be valid cannot be made: each class checks its own
fields in __post_init__ with the functions of identifiers.py, and the
message says which field and why, so a caller can list what a line lacks.
Field names follow the loops of the 837P guide 005010X222A1 noted on each.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from coaching.x12 import identifiers as ids
from coaching.x12.segments import Envelope

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
