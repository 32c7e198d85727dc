"""Demo billing: who bills (the organisation and the coaches' rendering
identities), a payer with its payer id, payer details, diagnoses on the open
episodes, a fee per unit, and a month of billable sessions: enough for
`claim_batch --all` (and the Billing page's "Make batch") to make a valid
837P on a fresh `make run`, with some lines left out for a reason."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import PayerIdentity, User
from accounts.services import payer_identity_set
from coaching.models import (
    BillingOrganisation,
    Episode,
    ProgrammePayer,
    ProviderIdentity,
    Recipient,
)
from sessions_log.models import FundingProgramme, NoteReview, PlaceType, ServiceCode, Session
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log

# Casey's clients, billed to Medicaid; the first two have payer details.
DEMO_BILLED = ["robin", "taylor", "morgan"]
DEMO_PAYER_IDS = [(date(1988, 4, 12), "MCD-104477"), (date(1979, 9, 30), "MCD-208815")]

# The NPIs pass the check digit (CMS's NPI standard: Luhn over 80840 + the
# first nine digits); 1234567893 is CMS's own worked example. Taxonomies from
# the NUCC code set: 251S00000X Community/Behavioral Health agency for the
# organisation, 175T00000X Peer Specialist for the coaches.
ORGANISATION = {
    "name": "Harbor Peer Recovery",
    "address_line1": "100 Harbor Way",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "627011234",
    "npi": "1234567893",
    "tax_id": "123456789",
    "taxonomy": "251S00000X",
    "submitter_id": "HARBOR01",
    "contact_name": "Alex Admin",
    "contact_phone": "2175550100",
}
PROVIDERS = {
    "casey@demo.test": ("Rivera", "Casey", "1543219871"),
    "jordan@demo.test": ("Lee", "Jordan", "1678901236"),
}
PEER_SPECIALIST = "175T00000X"
# As on the member's card (837P 2010BA): legal name, sex, address.
LEGAL = {
    "robin@demo.test": ("Park", "Robin", "F", "12 Elm St", "Springfield", "IL", "627021111"),
    "taylor@demo.test": ("Moss", "Taylor", "M", "48 Oak Ave", "Springfield", "IL", "62703"),
}
# ICD-10-CM: F11.20 opioid dependence, uncomplicated; F10.20 alcohol
# dependence, uncomplicated.
DIAGNOSES = {
    "robin@demo.test": "F11.20",
    "morgan@demo.test": "F10.20",
    "taylor@demo.test": "F11.20",
}
FEE_PER_UNIT = Decimal("18.50")


def seed():
    """Billing: once, the payer details and a month of billable sessions,
    a weekly one for each of Casey's clients, their notes signed and
    co-signed; then, every run (so a database seeded before they existed
    gets them too), the identities. Medicaid's payer is Acme Health Plan
    (payer id ACME1); _demo_consents gives Robin a consent naming it,
    Morgan one revoked, Taylor none, so a batch holds Robin's four sessions
    and leaves Taylor's and Morgan's out, each with why."""
    coach = User.objects.get(email="casey@demo.test")
    supervisor = User.objects.get(email="sam@demo.test")
    admin = User.objects.get(email="admin@demo.test")
    User.objects.filter(email="casey@demo.test").update(credential="CPRS")
    User.objects.filter(email="jordan@demo.test").update(credential="CRPS")
    coach.refresh_from_db()
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    clients = [User.objects.get(email=f"{name}@demo.test") for name in DEMO_BILLED]
    code = ServiceCode.objects.get(code="H0038", modifiers="")
    if not Session.objects.filter(client__in=clients, service_code=code).exists():
        _sessions(admin, coach, supervisor, medicaid, clients, code)
    _identities(admin, medicaid)


def _sessions(admin, coach, supervisor, medicaid, clients, code):
    for client, (birth, member) in zip(clients, DEMO_PAYER_IDS, strict=False):
        payer_identity_set(actor=admin, client=client, date_of_birth=birth, member_id=member)
    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    for week in range(4, 0, -1):
        for index, client in enumerate(clients):
            session = contact_log(
                actor=coach,
                client=client,
                started_at=start - timedelta(days=7 * week, hours=-2 * index),
                duration=timedelta(minutes=(45, 60, 30)[index % 3]),
                modality=Session.Modality.IN_PERSON,
                place_type=PlaceType.COMMUNITY if index else PlaceType.OFFICE,
                service_code=code,
                funding_programme=medicaid,
            )
            note = note_open(actor=coach, session=session)
            note_save_draft(
                actor=coach,
                note=note,
                services=["Peer support", "Goal planning"],
                narrative="Worked through the week's goals together.",
            )
            note = note_sign(actor=coach, note=note)
            note_review(actor=supervisor, note=note, decision=NoteReview.Decision.COSIGNED)


def _identities(admin, medicaid):
    """The organisation, the coaches' rendering identities, Medicaid's
    payer and fee, and the open episodes' diagnoses. Written directly: demo
    values, checked by tests/coaching/test_demo_data.py against the same
    rules the identity forms apply. The legal names, sex and address of
    the clients with payer details."""
    now = timezone.now()
    BillingOrganisation.objects.update_or_create(
        pk=1, defaults={**ORGANISATION, "updated_by": admin, "updated_at": now}
    )
    for email, (last, first, npi) in PROVIDERS.items():
        ProviderIdentity.objects.update_or_create(
            coach=User.objects.get(email=email),
            defaults={
                "last_name": last,
                "first_name": first,
                "npi": npi,
                "taxonomy": PEER_SPECIALIST,
                "updated_by": admin,
                "updated_at": now,
            },
        )
    acme = Recipient.objects.get_or_create(
        name="Acme Health Plan", kind=Recipient.Kind.ORGANISATION
    )[0]
    ProgrammePayer.objects.update_or_create(
        programme=medicaid,
        defaults={"recipient": acme, "payer_id": "ACME1", "filing_code": "MC"},
    )
    if medicaid.fee_per_unit <= 0:
        FundingProgramme.objects.filter(pk=medicaid.pk).update(fee_per_unit=FEE_PER_UNIT)
    for email, diagnosis in DIAGNOSES.items():
        for episode in Episode.objects.filter(client__email=email, discharge_date__isnull=True):
            if not episode.diagnosis_code:
                episode.diagnosis_code = diagnosis
                episode.save(update_fields=["diagnosis_code"])
    for email, (last, first, sex, line1, city, state, postal) in LEGAL.items():
        PayerIdentity.objects.filter(client__email=email).update(
            legal_last_name=last,
            legal_first_name=first,
            sex=sex,
            address_line1=line1,
            city=city,
            state=state,
            postal_code=postal,
            updated_by=admin,
            updated_at=timezone.now(),
        )
