"""Demo sessions: a few for Casey's first client."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from sessions_log.models import ServiceType, Session
from sessions_log.services.notes import note_open, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log, session_schedule

SERVICES = ["Peer support", "Goal planning", "Resource navigation", "Check-in call"]


def seed():
    """A few sessions for Casey's first client, once: one coming up, one
    with a signed note (its next steps show to the client), and one whose
    note is still to write."""
    for name in SERVICES:
        ServiceType.objects.get_or_create(name=name)
    coach = User.objects.get(email="casey@demo.test")
    client = User.objects.get(email="robin@demo.test")
    if Session.objects.filter(client=client).exists():
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    session_schedule(
        actor=coach,
        client=client,
        starts_at=now + timedelta(days=1, hours=2),
        duration=timedelta(hours=1),
        modality=Session.Modality.IN_PERSON,
        location="Community centre, room 4",
    )
    past = contact_log(
        actor=coach,
        client=client,
        started_at=now - timedelta(days=2),
        duration=timedelta(minutes=45),
        modality=Session.Modality.PHONE,
    )
    note = note_open(actor=coach, session=past)
    note_save_draft(
        actor=coach,
        note=note,
        services=["Peer support"],
        goals="Find steady work",
        narrative="Talked through the week and the job fair.",
        client_words="I want to try the job fair.",
        next_steps="Go to the job fair on Thursday; call me after.",
    )
    note_sign(actor=coach, note=note)
    contact_log(
        actor=coach,
        client=client,
        started_at=now - timedelta(hours=5),
        duration=timedelta(minutes=20),
        modality=Session.Modality.PHONE,
    )
