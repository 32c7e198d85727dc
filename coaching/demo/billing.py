"""Demo billing: credentials, a payer, payer details and a month of
billable sessions."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from accounts.services import payer_identity_set
from coaching.models import ProgrammePayer, Recipient
from sessions_log.models import FundingProgramme, NoteReview, PlaceType, ServiceCode, Session
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log

# Casey's clients, billed to Medicaid; the first two have payer details.
DEMO_BILLED = ["robin", "taylor", "morgan"]
DEMO_PAYER_IDS = [(date(1988, 4, 12), "MCD-104477"), (date(1979, 9, 30), "MCD-208815")]


def seed():
    """Billing, once: Casey and Jordan's credentials; Medicaid's payer,
    Acme Health Plan (on the recipients' list; _demo_consents gives Robin
    a consent naming it, Morgan one revoked, Taylor none, so a claim
    holds Robin and leaves Taylor and Morgan out); Robin's and Taylor's
    payer details; and a month of billable sessions, a weekly one for
    each of Casey's clients, their notes signed and co-signed."""
    coach = User.objects.get(email="casey@demo.test")
    supervisor = User.objects.get(email="sam@demo.test")
    admin = User.objects.get(email="admin@demo.test")
    User.objects.filter(email="casey@demo.test").update(credential="CPRS")
    User.objects.filter(email="jordan@demo.test").update(credential="CRPS")
    coach.refresh_from_db()
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    if not ProgrammePayer.objects.filter(programme=medicaid).exists():
        acme = Recipient.objects.get_or_create(
            name="Acme Health Plan", kind=Recipient.Kind.ORGANISATION
        )[0]
        ProgrammePayer.objects.create(programme=medicaid, recipient=acme)
    clients = [User.objects.get(email=f"{name}@demo.test") for name in DEMO_BILLED]
    code = ServiceCode.objects.get(code="H0038", modifiers="")
    if Session.objects.filter(client__in=clients, service_code=code).exists():
        return
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
