"""The 835 remittance as plain frozen dataclasses, and the error a bad file raises."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from coaching.x12.claim_data import Address

# CLP02 claim status codes used here (835 guide, 2100 CLP02).
PROCESSED_AS_PRIMARY = "1"
DENIED = "4"


class RemittanceError(ValueError):
    """An 835 that cannot be used, with a message for the person who uploaded it."""

    def __init__(self, message: str, errors: Sequence[str] = ()):
        super().__init__(message)
        self.errors = list(errors)


@dataclass(frozen=True)
class Adjustment:
    """CAS: a group code (CO, PR, OA, PI, CR) and a claim adjustment reason code (CARC)."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None

    @property
    def code(self) -> str:
        """Group and reason as billing staff read them, e.g. CO-45."""
        return f"{self.group}-{self.reason}"


@dataclass(frozen=True)
class LinePayment:
    """2110: the payer's answer for one service line, matched by REF*6R."""

    code: str
    charge: Decimal
    paid: Decimal
    units: Decimal
    control_number: str  # the 837's REF*6R, empty when the payer did not echo it
    service_date: dt.date | None = None
    modifiers: tuple[str, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def status(self) -> str:
        """ "paid" when the payer paid anything on the line, else "denied"."""
        return "paid" if self.paid > 0 else "denied"

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(adjustment.code for adjustment in self.adjustments)


@dataclass(frozen=True)
class ClaimPayment:
    """2100: one claim as the payer adjudicated it (CLP01 is our claim id)."""

    claim_id: str
    status: str  # CLP02: 1-3 processed, 4 denied, 22 reversal...
    charge: Decimal
    paid: Decimal
    payer_claim_number: str  # CLP07, the reference a replacement (7) or void (8) cites
    member_id: str
    last_name: str
    first_name: str = ""
    patient_responsibility: Decimal = Decimal(0)
    filing_code: str = "MC"
    place_of_service: str = ""
    frequency: str = "1"
    lines: tuple[LinePayment, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def denied(self) -> bool:
        return self.status == DENIED


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction: one payment (or notice) from one payer to one payee."""

    payer_name: str
    payer_tax_id: str  # TRN03 without its leading "1"
    payee_name: str
    payee_npi: str
    payment_amount: Decimal
    payment_method: str  # BPR04: CHK, ACH, NON...
    payment_date: dt.date
    trace_number: str  # TRN02, the check or EFT number
    claims: tuple[ClaimPayment, ...]
    payer_address: Address | None = None
    payer_contact_phone: str = ""
    payee_tax_id: str = ""
    provider_adjustments: Decimal = Decimal(0)  # PLB total, subtracted from the payment

    def lines(self) -> list[tuple[ClaimPayment, LinePayment]]:
        return [(claim, line) for claim in self.claims for line in claim.lines]
