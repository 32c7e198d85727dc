"""Claims as sent, made directly in the database, and a payer's 835 that
answers them (coaching.x12.payer.remittance_for), for the remittance tests.

The claims service builds the same rows from sessions; here they are made
by hand so that the upload is tested on its own: claim ids and line
control numbers match between the rows and the 835's CLP01 and REF*6R."""

import datetime as dt
import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from coaching.models import (
    BillingOrganisation,
    Claim,
    ClaimBatch,
    ClaimInterchange,
    ClaimLine,
)
from coaching.x12 import claim_data as x12
from coaching.x12.payer import remittance_for
from coaching.x12.remittance import write_835
from coaching.x12.segments import Envelope
from sessions_log.models import FundingProgramme
from tests import helpers
from tests.helpers import ORGANISATION_NPI, past_contact

ORG_NPI = ORGANISATION_NPI
OTHER_NPI = "1245319599"
_numbers = itertools.count(1)


def billing_organisation(npi: str = ORG_NPI) -> BillingOrganisation:
    return helpers.billing_organisation(npi=npi)


def sent_claim(actor, coach, client, *, lines: int = 2, charge: str = "60.00") -> Claim:
    """A claim of `lines` phone contacts of `client` (one a day), in a batch
    of its own, as if sent: every line in batch."""
    number = next(_numbers)
    interchange = ClaimInterchange.objects.create(
        created_by=actor, control_number=number, file_text="ISA*(as sent)~"
    )
    today = timezone.localdate()
    batch = ClaimBatch.objects.create(
        interchange=interchange,
        programme=FundingProgramme.objects.get(name="Medicaid"),
        created_by=actor,
        first_day=today - timedelta(days=lines + 1),
        last_day=today,
    )
    claim = Claim.objects.create(
        batch=batch,
        client=client,
        coach=coach,
        claim_id=f"C{number:05d}",
        total_charge=Decimal(charge) * lines,
    )
    for index in range(lines):
        session = past_contact(coach, client, timedelta(days=index + 1, hours=number))
        ClaimLine.objects.create(
            claim=claim,
            session=session,
            control_number=f"{claim.claim_id}L{index + 1}",
            service_date=timezone.localdate(session.starts_at),
            code="H0038",
            place_of_service="10",
            minutes=30,
            units=2,
            charge=Decimal(charge),
        )
    return claim


def as_sent(claim: Claim, *, npi: str = ORG_NPI) -> x12.Claim:
    """`claim` as the 837P carried it, for the stand-in payer to answer."""
    lines = tuple(
        x12.ServiceLine(
            line.code,
            line.charge,
            Decimal(line.units),
            line.service_date,
            line.control_number,
        )
        for line in claim.lines.order_by("pk")
    )
    return x12.Claim(
        claim.claim_id,
        x12.BillingProvider(
            "Harbor Peer Recovery",
            x12.Address("100 Harbor Way", "Springfield", "IL", "627011234"),
            npi,
            "12-3456789",
            "175T00000X",
        ),
        x12.Subscriber("MCD0001", "Doe", "Jane", dt.date(1980, 5, 17), "F"),
        x12.Payer("Illinois Medicaid", "ILMCD"),
        "10",
        ("F11.20",),
        lines,
        claim.total_charge,
    )


def remittance_835(claims, *, trace: str = "CHK0001", npi: str = ORG_NPI, **kw) -> str:
    """The stand-in payer's 835 for `claims` (Claim rows): every line paid
    in full unless `denied` / `paid` (remittance_for) say otherwise."""
    remittance = remittance_for(
        [as_sent(claim, npi=npi) for claim in claims],
        payment_date=timezone.localdate(),
        trace_number=trace,
        **kw,
    )
    return written(remittance)


def written(remittance) -> str:
    """A coaching.x12 Remittance as the payer would send it."""
    number = next(_numbers)
    envelope = Envelope(
        "ILMCD", "HPR01", number, number, dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    )
    return write_835(remittance, envelope)
