"""Demo episodes of care and outreach."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import CaseloadAssignment, User
from coaching.models import Episode, OutreachAttempt, ReferralSource
from coaching.services.episodes import episode_discharge, episode_open
from coaching.services.outreach import (
    contact_preferences_set,
    outreach_attempt_log,
    outreach_flags_raise,
)


def seed():
    """Episodes of care and outreach, once: Robin and Morgan in an open
    episode, Taylor discharged (goals met) and readmitted, Riley
    discharged (lost contact), Quinn with none yet (from before
    episodes). Robin was reached by text ten days ago; nobody has reached
    Morgan in the six weeks since the coaching started (three tries),
    nor Quinn: each flags for their coach and Sam."""
    robin = User.objects.get(email="robin@demo.test")
    if Episode.objects.filter(client=robin).exists():
        return
    casey = User.objects.get(email="casey@demo.test")
    jordan = User.objects.get(email="jordan@demo.test")
    taylor = User.objects.get(email="taylor@demo.test")
    morgan = User.objects.get(email="morgan@demo.test")
    riley = User.objects.get(email="riley@demo.test")
    today = timezone.localdate()
    now = timezone.now()

    def source(name):
        return ReferralSource.objects.get_or_create(name=name)[0]

    def admit(coach, client, days_ago, name):
        episode_open(
            actor=coach,
            client=client,
            intake_date=today - timedelta(days=days_ago),
            referral_source=source(name),
        )

    admit(casey, robin, 180, "Treatment program")
    admit(casey, morgan, 60, "Court or probation")
    admit(casey, taylor, 200, "Self")
    episode_discharge(
        actor=casey,
        client=taylor,
        discharge_date=today - timedelta(days=60),
        reason=Episode.DischargeReason.GOALS_MET,
        summary="Settled in the new flat and back at work; knows we are here.",
    )
    admit(casey, taylor, 14, "Family or friend")
    admit(jordan, riley, 120, "Hospital or emergency room")
    episode_discharge(
        actor=jordan,
        client=riley,
        discharge_date=today - timedelta(days=20),
        reason=Episode.DischargeReason.LOST_CONTACT,
        summary="No answer to calls, texts or a letter for six weeks.",
    )

    contact_preferences_set(
        actor=casey,
        client=robin,
        preferred_channels=["text", "phone"],
        ok_to_text=True,
        ok_to_voicemail=True,
        ok_to_email=False,
    )
    contact_preferences_set(
        actor=casey,
        client=morgan,
        preferred_channels=["phone"],
        ok_to_text=False,
        ok_to_voicemail=True,
        ok_to_email=True,
    )
    attempts = [
        (casey, robin, "text", "reached", 10),
        (casey, taylor, "phone", "reached", 3),
        (casey, morgan, "phone", "no_answer", 20),
        (casey, morgan, "phone", "left_message", 12),
        (casey, morgan, "email", "no_answer", 4),
    ]
    for coach, client, channel, outcome, days_ago in attempts:
        attempt = outreach_attempt_log(actor=coach, client=client, channel=channel, outcome=outcome)
        OutreachAttempt.objects.filter(pk=attempt.pk).update(at=now - timedelta(days=days_ago))
    CaseloadAssignment.objects.filter(client=morgan, ended_at__isnull=True).update(
        started_at=now - timedelta(weeks=6)
    )
    outreach_flags_raise()
