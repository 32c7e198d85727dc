"""Claim records -> the coaching.x12 dataclasses -> the 837P text.

Who bills and sends (BillingOrganisation: 2010AA billing provider, 1000A
submitter), the payer and the file's receiver (ProgrammePayer: 2010BB,
1000B), the member (PayerIdentity: 2010BA, their legal name, sex and
address), the rendering coach (ProviderIdentity: 2310B), the diagnosis and
prior authorisation (the episode: 2300 HI, REF*G1), and each line as the
ClaimLine row holds it (2400). The envelope's dates are the interchange's
creation time, so the stored text is what any later download gives."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from accounts.models import PayerIdentity
from coaching.models import (
    BillingOrganisation,
    Claim,
    ClaimBatch,
    ClaimInterchange,
    ClaimLine,
    Episode,
    ProgrammePayer,
    ProviderIdentity,
)
from coaching.x12 import claims as x12
from coaching.x12.segments import Envelope
from sessions_log.models import FundingProgramme


@dataclass(frozen=True)
class ClaimSpec:
    """One claim row with what the 837P says around it."""

    claim: Claim
    lines: list[ClaimLine]
    identity: PayerIdentity
    provider: ProviderIdentity
    episode: Episode
    programme: FundingProgramme
    original_claim_number: str = ""


@dataclass(frozen=True)
class BatchSpec:
    batch: ClaimBatch
    payer: ProgrammePayer
    claims: list[ClaimSpec]


def billing_provider(org: BillingOrganisation) -> x12.BillingProvider:
    address = x12.Address(
        org.address_line1, org.city, org.state, org.postal_code, org.address_line2
    )
    return x12.BillingProvider(org.name, address, org.npi, org.tax_id, org.taxonomy)


def submitter(org: BillingOrganisation) -> x12.Submitter:
    return x12.Submitter(org.name, org.submitter_id, org.contact_name, org.contact_phone)


def payer_of(payer: ProgrammePayer) -> x12.Payer:
    return x12.Payer(payer.recipient.name[:60], payer.payer_id, payer.filing_code or "MC")


def receiver_of(payer: ProgrammePayer) -> x12.Receiver:
    """The file's receiver (1000B): a clearinghouse when set, else the payer."""
    return x12.Receiver(
        (payer.receiver_name or payer.recipient.name)[:60], payer.receiver_id or payer.payer_id
    )


def subscriber(identity: PayerIdentity) -> x12.Subscriber:
    address = x12.Address(
        identity.address_line1,
        identity.city,
        identity.state,
        identity.postal_code,
        identity.address_line2,
    )
    return x12.Subscriber(
        identity.member_id.strip(),
        identity.legal_last_name,
        identity.legal_first_name,
        date.fromisoformat(identity.date_of_birth),
        identity.sex,
        address,
    )


def rendering(provider: ProviderIdentity) -> x12.RenderingProvider:
    return x12.RenderingProvider(
        provider.last_name, provider.first_name, provider.npi, provider.taxonomy
    )


def claim_of(spec: ClaimSpec, org: x12.BillingProvider, payer: x12.Payer) -> x12.Claim:
    """One CLM: its place of service is its lines' most common one; a line
    elsewhere states its own (SV105)."""
    place = Counter(line.place_of_service for line in spec.lines).most_common(1)[0][0]
    lines = tuple(
        x12.ServiceLine(
            code=line.code,
            charge=line.charge,
            units=Decimal(line.units),
            service_date=line.service_date,
            control_number=line.control_number,
            modifiers=tuple(line.modifiers),
            place_of_service="" if line.place_of_service == place else line.place_of_service,
        )
        for line in spec.lines
    )
    return x12.Claim(
        claim_id=spec.claim.claim_id,
        billing_provider=org,
        subscriber=subscriber(spec.identity),
        payer=payer,
        place_of_service=place,
        diagnoses=(spec.episode.diagnosis_code.strip().upper(),),
        lines=lines,
        total_charge=spec.claim.total_charge,
        rendering_provider=rendering(spec.provider),
        frequency=spec.claim.frequency,
        original_claim_reference=spec.original_claim_number,
        prior_authorization=(
            spec.episode.prior_authorization.strip() if spec.programme.requires_prior_auth else ""
        ),
    )


def interchange_text(
    interchange: ClaimInterchange, org: BillingOrganisation, batches: list[BatchSpec]
) -> str:
    """The 837P of an interchange: one ST/SE per batch, in order. The ISA
    receiver is the first batch's receiver. Raises ValueError (from the
    x12 dataclasses) when a value cannot go on a valid claim."""
    provider, sender = billing_provider(org), submitter(org)
    transactions = []
    for number, spec in enumerate(batches, start=1):
        payer = payer_of(spec.payer)
        transactions.append(
            x12.ClaimTransaction(
                control_number=number,
                reference=f"B{spec.batch.pk}",
                submitter=sender,
                receiver=receiver_of(spec.payer),
                claims=tuple(claim_of(claim, provider, payer) for claim in spec.claims),
            )
        )
    envelope = Envelope(
        sender_id=org.submitter_id.strip(),
        receiver_id=transactions[0].receiver.receiver_id,
        interchange_control_number=interchange.control_number,
        group_control_number=interchange.control_number,
        created=timezone.localtime(interchange.created_at),
    )
    return x12.write_837p(x12.Interchange(envelope, tuple(transactions)))
