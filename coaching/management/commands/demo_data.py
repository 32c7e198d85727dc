"""Demo people with known passwords and TOTP secrets, and a few sessions.

Idempotent: running it again keeps the same people, passwords and secrets.
"""

from datetime import date, timedelta
from unittest import mock

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, Team, User
from accounts.services import payer_identity_set
from coaching.models import (
    ITEM_NAMES,
    CheckIn,
    Episode,
    LifeArea,
    OutreachAttempt,
    Plan,
    PlanVersion,
    ProgrammePayer,
    Recipient,
    ReferralSource,
    Step,
)
from coaching.services.episodes import episode_discharge, episode_open
from coaching.services.outreach import (
    contact_preferences_set,
    outreach_attempt_log,
    outreach_flags_raise,
)
from coaching.services.plans import goal_add, plan_confirm, plan_sign, step_add, step_progress
from coaching.services.trust import checkin_submit
from sessions_log.models import (
    FundingProgramme,
    NoteReview,
    PlaceType,
    ServiceCode,
    ServiceType,
    Session,
)
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log, session_schedule

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data only, refused without DEBUG

# Casey's clients, billed to Medicaid; the first two have payer details.
DEMO_BILLED = ["robin", "taylor", "morgan"]
DEMO_PAYER_IDS = [(date(1988, 4, 12), "MCD-104477"), (date(1979, 9, 30), "MCD-208815")]

SERVICES = ["Peer support", "Goal planning", "Resource navigation", "Check-in call"]

# (role, email, display name, team, TOTP secret for staff, coach email for clients)
PEOPLE = [
    (Role.ADMIN, "admin@demo.test", "Alex Admin", None, "JBSWY3DPEHPK3PXA", None),
    (Role.SUPERVISOR, "sam@demo.test", "Sam Supervisor", "North", "JBSWY3DPEHPK3PXS", None),
    (Role.COACH, "casey@demo.test", "Casey Rivera", "North", "JBSWY3DPEHPK3PXC", None),
    (Role.COACH, "jordan@demo.test", "Jordan Lee", "North", "JBSWY3DPEHPK3PXJ", None),
    (Role.CLIENT, "robin@demo.test", "Robin Park", None, None, "casey@demo.test"),
    (Role.CLIENT, "taylor@demo.test", "Taylor Moss", None, None, "casey@demo.test"),
    (Role.CLIENT, "morgan@demo.test", "Morgan Diaz", None, None, "casey@demo.test"),
    (Role.CLIENT, "riley@demo.test", "Riley Chen", None, None, "jordan@demo.test"),
    (Role.CLIENT, "quinn@demo.test", "Quinn Ortiz", None, None, "jordan@demo.test"),
]


class Command(BaseCommand):
    help = "Create demo people (DEBUG only) and print their logins."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_data refuses to run when DEBUG is off: it sets known passwords."
            )
        with transaction.atomic():
            lines = [self._person(*person) for person in PEOPLE]
            self._sessions()
            self._checkins()
            self._plans()
            self._episodes()
            self._billing()
            _demo_consents()
        self.stdout.write(f"Demo logins (password for everyone: {DEMO_PASSWORD}):")
        for line in lines:
            self.stdout.write("  " + line)

    def _person(self, role, email, name, team_name, totp_secret, coach_email):
        team = Team.objects.get_or_create(name=team_name)[0] if team_name else None
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email)
        user.display_name = name
        user.role = role
        user.team = team
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if totp_secret:
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
            TOTP.activate(user, totp_secret)
        if coach_email:
            coach = User.objects.get(email=coach_email)
            if not CaseloadAssignment.objects.filter(client=user, ended_at__isnull=True).exists():
                CaseloadAssignment.objects.create(coach=coach, client=user, created_by=coach)
        line = f"{role.label:<10} {email:<20} {DEMO_PASSWORD}"
        if totp_secret:
            line += f"  TOTP secret {totp_secret}"
        return line

    def _sessions(self):
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

    def _checkins(self):
        """Robin's check-ins over the past weeks, the last one a drop below
        their usual that flags for Casey and Sam."""
        client = User.objects.get(email="robin@demo.test")
        if CheckIn.objects.filter(client=client).exists():
            return
        history = [(4, 9), (3, 9), (2, 10), (0, 7)]  # (weeks ago, answer to every item)
        for weeks, value in history:
            checkin = checkin_submit(
                client=client,
                answers={name: value for name in ITEM_NAMES},
                comment="Good to have someone who gets it." if weeks == 2 else "",
            )
            # Back-date it, as if it had been sent then (this also reopens the
            # weekly allowance for the next one).
            CheckIn.objects.filter(pk=checkin.pk).update(
                created_at=timezone.now() - timedelta(weeks=weeks, hours=1)
            )

    def _plans(self):
        """Recovery plans in every state, once: Robin's agreed last week with
        a step done, Taylor's a draft, Morgan's agreed long ago and due for
        review; Riley and Quinn, with Jordan for six weeks, have none yet."""
        robin = User.objects.get(email="robin@demo.test")
        if Plan.objects.filter(client=robin).exists():
            return
        casey = User.objects.get(email="casey@demo.test")
        now = timezone.now()
        with self._as_if(now - timedelta(days=7)):
            goals = self._plan(
                casey,
                robin,
                [
                    (
                        "Work or study",
                        "Find steady work",
                        "So I have a reason to get up",
                        [
                            ("Go to the job fair on Thursday", Step.SuggestedBy.CLIENT),
                            ("Ask about the peer mentor course", Step.SuggestedBy.COACH),
                        ],
                    ),
                    (
                        "Supports",
                        "Go to a meeting every week",
                        "People who get it",
                        [
                            ("Try the Tuesday evening group", Step.SuggestedBy.COACH),
                        ],
                    ),
                ],
            )
            self._agree(casey, robin)
        step = goals[0].steps.order_by("pk").first()
        step_progress(
            actor=robin, step=step, state=Step.State.DONE, how_it_went="Met two employers"
        )
        taylor = User.objects.get(email="taylor@demo.test")
        self._plan(
            casey,
            taylor,
            [
                (
                    "Housing",
                    "A flat of my own",
                    "Somewhere quiet",
                    [
                        ("Call the housing office", Step.SuggestedBy.COACH),
                    ],
                )
            ],
        )
        morgan = User.objects.get(email="morgan@demo.test")
        long_ago = now - timedelta(days=settings.PLAN_REVIEW_DAYS + 10)
        CaseloadAssignment.objects.filter(client=morgan, ended_at__isnull=True).update(
            started_at=long_ago - timedelta(days=14)
        )
        with self._as_if(long_ago):
            self._plan(
                casey,
                morgan,
                [
                    (
                        "Health",
                        "Sleep through the night",
                        "",
                        [
                            ("No screens after ten", Step.SuggestedBy.CLIENT),
                        ],
                    )
                ],
            )
            self._agree(casey, morgan)
        # Riley and Quinn started with Jordan six weeks ago: no plan agreed yet.
        CaseloadAssignment.objects.filter(
            client__email__in=["riley@demo.test", "quinn@demo.test"], ended_at__isnull=True
        ).update(started_at=now - timedelta(weeks=6))

    def _episodes(self):
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
            attempt = outreach_attempt_log(
                actor=coach, client=client, channel=channel, outcome=outcome
            )
            OutreachAttempt.objects.filter(pk=attempt.pk).update(at=now - timedelta(days=days_ago))
        CaseloadAssignment.objects.filter(client=morgan, ended_at__isnull=True).update(
            started_at=now - timedelta(weeks=6)
        )
        outreach_flags_raise()

    def _billing(self):
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

    @staticmethod
    def _as_if(moment):
        """Write as if at `moment`: an agreed plan cannot be back-dated later
        (the database refuses any change to it)."""
        return mock.patch("django.utils.timezone.now", return_value=moment)

    @staticmethod
    def _plan(coach, client, goals):
        made = []
        for area_name, words, why, steps in goals:
            area = LifeArea.objects.get_or_create(name=area_name)[0]
            goal = goal_add(actor=client, client=client, area=area, words=words, why=why)
            for action, suggested_by in steps:
                step_add(
                    actor=coach,
                    goal=goal,
                    action=action,
                    who=Step.Who.CLIENT,
                    suggested_by=suggested_by,
                )
            made.append(goal)
        return made

    @staticmethod
    def _agree(coach, client):
        version = PlanVersion.objects.get(plan__client=client, agreed_at__isnull=True)
        plan_confirm(actor=client, version=version, typed_name=client.display_name, confirmed=True)
        plan_sign(actor=coach, version=version)


def _demo_consents():
    """Consents, once: Robin signed one for Acme Health Plan (the attendance
    and service record and the billing identifiers, until the end of their
    Medicaid enrolment), and a disclosure went out under it; Taylor has one
    to a person they named, waiting for their signature; Morgan signed one
    and revoked it."""
    # Imported here, so that this part of the demo stands on its own.
    from coaching.models import Consent, ExportKind, Information, Recipient
    from coaching.services.consents import (
        consent_prepare,
        consent_revoke,
        consent_sign,
        export_split,
    )

    robin = User.objects.get(email="robin@demo.test")
    if Consent.objects.filter(client=robin).exists():
        return
    casey = User.objects.get(email="casey@demo.test")
    taylor = User.objects.get(email="taylor@demo.test")
    morgan = User.objects.get(email="morgan@demo.test")
    acme = Recipient.objects.get_or_create(
        name="Acme Health Plan", kind=Recipient.Kind.ORGANISATION
    )[0]
    claim = [Information.SERVICE_RECORD, Information.BILLING_IDS]
    robins = consent_prepare(
        actor=casey,
        client=robin,
        recipient=acme,
        purpose="Billing Medicaid for my peer support sessions",
        information=claim,
        ends_on_event="The end of my Medicaid enrolment",
    )
    consent_sign(actor=robin, consent=robins, typed_name=robin.display_name, confirmed=True)
    export_split(
        actor=casey,
        client_ids=[robin.pk],
        recipient=acme,
        information=[Information.SERVICE_RECORD],
        export=ExportKind.NAMED_RECIPIENT,
        description="Disclosure to a named recipient (CSV)",
    )
    consent_prepare(
        actor=casey,
        client=taylor,
        person_name="Jamie Moss",
        purpose="So my sister can help me keep to my plan",
        information=[Information.RECOVERY_PLAN],
        ends_on=timezone.localdate() + timedelta(days=180),
    )
    morgans = consent_prepare(
        actor=casey,
        client=morgan,
        recipient=acme,
        purpose="Billing Medicaid",
        information=claim,
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    consent_sign(actor=morgan, consent=morgans, typed_name=morgan.display_name, confirmed=True)
    consent_revoke(actor=morgan, consent=morgans)
