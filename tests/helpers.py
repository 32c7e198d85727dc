"""Small helpers shared by the tests (fixtures live in conftest.py)."""

import base64
import hashlib
import hmac
import itertools
import random
import re
import struct
import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import CaseloadAssignment, PayerIdentity, Role, Team, User
from coaching.models import (
    BillingOrganisation,
    CheckIn,
    CheckInRequest,
    Episode,
    LifeArea,
    OutreachAttempt,
    PlanVersion,
    ProgrammePayer,
    ProviderIdentity,
    Recipient,
    ReferralSource,
    Step,
    TrustFlag,
)
from coaching.services.consents import consent_prepare, consent_sign
from coaching.services.figures import figures_repair
from coaching.services.plans import goal_add, plan_confirm, plan_sign, step_add
from coaching.services.trust import checkin_submit
from sessions_log.models import (
    PREFERENCE_KINDS,
    FundingProgramme,
    Note,
    NoteReview,
    Reminder,
    ReminderPreference,
    ServiceCode,
    Session,
)
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.outbox import reminder_deliver, reminders_sweep
from sessions_log.services.sessions import contact_log, session_close, session_schedule


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 TOTP, written independently of allauth's implementation."""
    if at is None:
        # The server takes no code from a step that has passed (no
        # tolerance), so a code read in the last seconds of its 30-second
        # step may be refused on arrival: start a fresh step instead.
        left = 30 - time.time() % 30
        if left < 5:
            time.sleep(left + 0.05)
        at = time.time()
    counter = int(at // 30)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - the test cast's known TOTP secret


def enable_totp(user, secret: str = TOTP_SECRET) -> Authenticator:
    return TOTP.activate(user, secret).instance


def sign_in(client, user, *, mfa: bool = True) -> None:
    """Log the test client in as `user`; `mfa` says whether this login passed
    a second factor (what allauth records in the session)."""
    client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[0])
    session = client.session
    records = [{"method": "password", "at": time.time(), "email": user.email}]
    if mfa:
        records.append({"method": "mfa", "at": time.time(), "type": "totp", "id": 0})
    session["account_authentication_methods"] = records
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def text_body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return part.get_content() if part else ""


def first_link(message: EmailMessage, pattern: str = r"https?://\S+") -> str:
    match = re.search(pattern, text_body(message))
    assert match, f"no link in email: {text_body(message)!r}"
    return match.group(0)


# Every page people open all day (make bench measures them) runs at most this
# many SQL statements, BEGIN and COMMIT included, whatever the data size.
PAGE_STATEMENTS = 10


def count_queries(callable_, *args, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as context:
        result = callable_(*args, **kwargs)
    return len(context.captured_queries), result


def past_contact(coach, client, ago: timedelta):
    """A 30-minute phone contact, logged by its coach, that began `ago` ago."""
    return contact_log(
        actor=coach,
        client=client,
        started_at=timezone.now() - ago,
        duration=timedelta(minutes=30),
        modality="phone",
    )


def signed_contact(coach, client, *, narrative="Talked", hours_ago=3):
    """A phone contact that happened `hours_ago` hours ago, its note signed.
    Returns (session, note)."""
    session = past_contact(coach, client, timedelta(hours=hours_ago))
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative=narrative)
    note_sign(actor=coach, note=note)
    return session, note


def subprocess_database_url() -> str:
    """The test database as a DATABASE_URL, for processes the tests start."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# Trust check-ins (tests/coaching/test_trust*.py and the pages that show them).

GOOD = {"heard": 9, "safe": 9, "focus": 8, "trust": 9, "helping": 9}  # score 88
LOW = {"heard": 6, "safe": 5, "focus": 7, "trust": 6, "helping": 6}  # score 60, an answer of 5
CANARY = "PRIVATE-CANARY-4471: my coach makes jokes about my relapse"
_slot = itertools.count(1)


def _completed(coach, client) -> Session:
    """A session that happened: scheduled, its time came, closed as completed
    (each an hour before the last, all within the week a check-in is asked)."""
    slot = next(_slot)
    session = session_schedule(
        actor=coach,
        client=client,
        starts_at=timezone.now() + timedelta(days=slot),
        duration=timedelta(hours=1),
        modality="phone",
    )
    Session.objects.filter(pk=session.pk).update(
        starts_at=F("starts_at") - timedelta(days=slot, hours=slot + 1),
        ends_at=F("ends_at") - timedelta(days=slot, hours=slot + 1),
    )
    session.refresh_from_db()
    return session_close(
        actor=coach,
        session=session,
        status="completed",
        actual_start=session.starts_at,
        minutes_spent=60,
    )


def _requested(coach, client) -> CheckInRequest:
    return CheckInRequest.objects.get(session=_completed(coach, client))


def _submit(client, request=None, answers=GOOD, **extra):
    return checkin_submit(client=client, answers=answers, request=request, **extra)


def make_due(reminder) -> None:
    """Make a planned reminder due now."""
    Reminder.objects.filter(pk=reminder.pk).update(
        due_at=timezone.now() - timedelta(seconds=1),
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )


def sweep_and_send(reminder) -> str:
    """Make a reminder due, sweep, and deliver it as its send task would;
    returns the status it ends in."""
    make_due(reminder)
    reminders_sweep()
    reminder.refresh_from_db()
    return reminder_deliver(reminder_id=reminder.pk, lease_token=str(reminder.lease_token))


# ------------------------------------------- plans, built through the services


def area(name: str = "Housing") -> LifeArea:
    # Seeded by migration 0007; a transactional test's flushed database has none.
    return LifeArea.objects.get_or_create(name=name)[0]


def plan_with(coach, client, *, goals: int = 1, steps: int = 1, by=None):
    """A plan of `goals` goals with `steps` coach-suggested steps each,
    written by `by` (the coach unless said). Returns the goals."""
    by = by or coach
    made = []
    for number in range(goals):
        goal = goal_add(actor=by, client=client, area=area(), words=f"Goal {number}", why="Me")
        for step_number in range(steps):
            step_add(
                actor=by,
                goal=goal,
                action=f"Step {number}.{step_number}",
                who=Step.Who.CLIENT,
                suggested_by=Step.SuggestedBy.COACH,
            )
        made.append(goal)
    return made


def draft_of(client) -> PlanVersion:
    return PlanVersion.objects.get(plan__client=client, agreed_at__isnull=True)


def agree(coach, client) -> PlanVersion:
    """The client agrees to the open draft and the coach signs it."""
    version = draft_of(client)
    plan_confirm(actor=client, version=version, typed_name=client.display_name, confirmed=True)
    return plan_sign(actor=coach, version=version)


# ------------------------------- the reminder outbox (tests/sessions_log/test_reminders*.py)


def schedule_hour(coach, client, starts_at, modality="phone", **details):
    """An hour's session with `client`, scheduled by `coach` at `starts_at`."""
    return session_schedule(
        actor=coach,
        client=client,
        starts_at=starts_at,
        duration=timedelta(hours=1),
        modality=modality,
        **details,
    )


def reminder_rows(session, **filters):
    """A session's reminder rows by (recipient, kind)."""
    return {
        (row.recipient_id, row.kind): row
        for row in Reminder.objects.filter(session=session, **filters)
    }


def zoned(zone, *args):
    """datetime(*args) on the wall clock of the time zone `zone`."""
    return datetime(*args, tzinfo=ZoneInfo(zone))


def reminders_opt_in(user, **kinds):
    """`user`'s reminder preferences: the given kinds on, every other off."""
    values = {kind: False for kind in PREFERENCE_KINDS} | kinds
    return ReminderPreference.objects.create(user=user, **values)


# Claims (issue 27): who bills and for whom (tests/coaching/test_claims*.py,
# the billing pages and the demo data reuse them).

ORGANISATION_NPI = "1234567893"  # CMS's own example of a valid check digit
COACH_NPIS = ["1003000126", "1497758544", "1245319599"]


def billing_organisation(**fields):
    """The organisation's billing identity (one row, pk=1), complete."""
    values = {
        "name": "Harbor Peer Recovery",
        "address_line1": "100 Harbor Way",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "627011234",
        "npi": ORGANISATION_NPI,
        "tax_id": "12-3456789",
        "taxonomy": "175T00000X",
        "submitter_id": "HPR01",
        "contact_name": "Billing Office",
        "contact_phone": "2175550100",
    }
    values.update(fields)
    organisation, _ = BillingOrganisation.objects.update_or_create(pk=1, defaults=values)
    return organisation


def billing_identities(
    *,
    coach,
    client,
    admin,
    programme=None,
    member_id="MCD0001",
    diagnosis="F11.20",
    prior_authorization="",
    coach_npi=COACH_NPIS[0],
    payer_name="State Medicaid Agency",
    payer_id="ILMCD",
    fee_per_unit="18.50",
    intake_days_ago=90,
    consent=True,
):
    """Everything a claim for `client`'s sessions with `coach` under
    `programme` (default: Medicaid) needs: the organisation's identity, the
    coach's rendering identity, the client's payer identity (member id, date
    of birth, legal name, sex, address), an open episode with a diagnosis,
    the programme's payer with its payer id and a fee per unit, and the
    client's signed consent to that payer for the service record and billing
    identifiers (consent=False: none). Idempotent per person: call it again
    for another client or coach. Returns a namespace of the rows."""
    organisation = billing_organisation()
    programme = programme or FundingProgramme.objects.get(name="Medicaid")
    if fee_per_unit is not None:
        FundingProgramme.objects.filter(pk=programme.pk).update(fee_per_unit=fee_per_unit)
        programme.refresh_from_db()
    payer = ProgrammePayer.objects.select_related("recipient").filter(programme=programme).first()
    if payer is None:
        recipient, _ = Recipient.objects.get_or_create(
            name=payer_name, kind=Recipient.Kind.ORGANISATION, client=None
        )
        payer = ProgrammePayer.objects.create(
            programme=programme, recipient=recipient, payer_id=payer_id
        )
    elif not payer.payer_id:
        payer.payer_id = payer_id
        payer.save(update_fields=["payer_id"])
    provider, _ = ProviderIdentity.objects.update_or_create(
        coach=coach,
        defaults={
            "last_name": coach.display_name.split()[-1],
            "first_name": coach.display_name.split()[0],
            "npi": coach_npi,
            "taxonomy": "175T00000X",
            "updated_by": admin,
        },
    )
    names = client.display_name.split()
    identity, _ = PayerIdentity.objects.update_or_create(
        client=client,
        defaults={
            "date_of_birth": "1984-02-29",
            "member_id": member_id,
            "legal_last_name": names[-1],
            "legal_first_name": names[0],
            "sex": "F",
            "address_line1": "9 Elm St",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62702",
            "updated_by": admin,
        },
    )
    episode = Episode.objects.filter(client=client, discharge_date__isnull=True).first()
    if episode is None:
        episode = Episode.objects.create(
            client=client,
            intake_date=timezone.localdate() - timedelta(days=intake_days_ago),
            referral_source=ReferralSource.objects.filter(active=True).first(),
            opened_by=coach,
        )
    episode.diagnosis_code = diagnosis
    episode.prior_authorization = prior_authorization
    episode.save(update_fields=["diagnosis_code", "prior_authorization"])
    signed = None
    if consent:
        prepared = consent_prepare(
            actor=coach,
            client=client,
            legal_name=client.display_name,
            information_from=date(2020, 1, 1),
            recipient=payer.recipient,
            purpose="Billing for peer support",
            information=["service_record", "billing_ids"],
            ends_on=timezone.localdate() + timedelta(days=365),
        )
        signed = consent_sign(
            actor=client, consent=prepared, typed_name=client.display_name, confirmed=True
        )
    return SimpleNamespace(
        organisation=organisation,
        programme=programme,
        payer=payer,
        provider=provider,
        identity=identity,
        episode=episode,
        consent=signed,
    )


def billable_contact(
    coach,
    client,
    *,
    started,
    minutes,
    programme=None,
    supervisor=None,
    modality="in_person",
    place_type="community",
    modifiers="",
    **details,
):
    """A contact of `minutes` actually spent from `started`, under
    `programme` (default Medicaid), code H0038 (with `modifiers`, e.g. "HQ"),
    its note signed (and co-signed by `supervisor` when given): billable."""
    session = contact_log(
        actor=coach,
        client=client,
        started_at=started,
        duration=timedelta(minutes=minutes),
        modality=modality,
        place_type=place_type,
        service_code=ServiceCode.objects.get(code="H0038", modifiers=modifiers),
        funding_programme=programme or FundingProgramme.objects.get(name="Medicaid"),
        **details,
    )
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Peer support", services=["Peer support"])
    note = note_sign(actor=coach, note=note)
    if supervisor is not None:
        note_review(actor=supervisor, note=note, decision=NoteReview.Decision.COSIGNED)
    session.refresh_from_db()
    return session


# ----------------------------------- retention (tests/coaching/test_retention*.py)


def retention_passed(client, *, years=6, days=1) -> None:
    """The client's record last in effect `years` years and `days` days ago
    (negative days: less): their relationships ended then, their account
    was made long before."""
    ended = timezone.localdate() - relativedelta(years=years) - timedelta(days=days)
    long_ago = timezone.now() - timedelta(days=4000)
    CaseloadAssignment.objects.filter(client=client).update(
        started_at=long_ago, ended_at=datetime.combine(ended, datetime.min.time(), tzinfo=UTC)
    )
    User.objects.filter(pk=client.pk).update(date_joined=long_ago)


# ------------- a varied organisation (tests/coaching/test_coach_detail_sql.py,
# tests/sessions_log/test_review_queue_sql.py)

_CHECKIN_ITEMS = ("heard", "safe", "focus", "trust", "helping")


def varied_organisation(seed: int, coach: User, supervisor: User, now: datetime) -> dict:
    """Three teams of coaches (one inactive) and 60 clients, `coach` holding
    more than a page of them: relationships closed and handed to another
    coach (of the same team or not); check-ins (some at the same instant),
    flags of each status; sessions past and to come, completed, no-show,
    cancelled; notes in each state (missing, draft, overdue or not, signed
    and waiting for a co-sign, co-signed, returned); outreach attempts that
    reached the client or not. Made past the services, so the kept figures
    (coaching/models/figures.py) are then repaired from that history, as the
    nightly check would. Returns the people by kind."""
    rng = random.Random(seed)
    teams = [coach.team] + [Team.objects.create(name=f"{side} {seed}") for side in ("East", "West")]
    coaches = [coach] + [
        User.objects.create(
            email=f"coach{seed}-{n}@example.org",
            display_name=f"Coach {n}",
            role=Role.COACH,
            team=teams[n % 3],
            is_active=n != 4,
        )
        for n in range(1, 7)
    ]
    east = User.objects.create(
        email=f"east{seed}@example.org",
        display_name="East Sup",
        role=Role.SUPERVISOR,
        team=teams[1],
    )
    past = iter(rng.sample(range(1, 900), 600))
    future = iter(rng.sample(range(1, 300), 200))
    clients = []
    for n in range(60):
        person = User.objects.create(
            email=f"client{seed}-{n}@example.org",
            # Unique names: the ORM selectors order by name alone.
            display_name=f"{rng.choice(['Ana', 'Bo', 'Cy', '<b>Ed</b>'])} {n:03d}",
            role=Role.CLIENT,
            language="es" if n % 3 == 0 else "en",  # not from rng: the same data as before
        )
        clients.append(person)
        first = coach if n < 40 else rng.choice(coaches)
        started = now - timedelta(days=rng.choice([2, 13, 20, 40, 200]), hours=rng.randrange(24))
        relationships = [
            CaseloadAssignment.objects.create(coach=first, client=person, started_at=started)
        ]
        if rng.random() < 0.25:  # closed, then maybe taken by another coach
            moved = started + timedelta(days=1)
            CaseloadAssignment.objects.filter(pk=relationships[0].pk).update(ended_at=moved)
            if rng.random() < 0.8:
                relationships.append(
                    CaseloadAssignment.objects.create(
                        coach=rng.choice(coaches[1:]),
                        client=person,
                        started_at=moved + timedelta(hours=1),
                    )
                )
        for relationship in relationships:
            _vary_relationship(rng, relationship, now, past, future)
        for _ in range(rng.choice([0, 0, 1, 2, 4])):
            OutreachAttempt.objects.create(
                client=person,
                coach=relationships[-1].coach,
                channel="phone",
                outcome=rng.choice(["reached", "no_answer", "left_message"]),
                at=now - timedelta(hours=rng.randrange(1, 24 * 30)),
            )
    figures_repair()
    return {"coaches": coaches, "east": east, "clients": clients, "supervisor": supervisor}


def _vary_relationship(rng, relationship, now, past, future) -> None:
    coach, person = relationship.coach, relationship.client
    tie = now - timedelta(days=rng.randrange(1, 30))
    for _ in range(rng.choice([0, 0, 1, 3, 12])):
        CheckIn.objects.create(
            assignment=relationship,
            client=person,
            coach=coach,
            created_at=tie if rng.random() < 0.3 else now - timedelta(hours=rng.randrange(900)),
            **{name: rng.randrange(0, 11) for name in _CHECKIN_ITEMS},
        )
    for rule, status in zip(
        TrustFlag.Rule.values,
        rng.sample(list(TrustFlag.Status.values) * 2, rng.randrange(0, 4)),
        strict=False,
    ):
        TrustFlag.objects.create(
            assignment=relationship,
            client=person,
            coach=coach,
            rule=rule,
            detail="score 40",
            status=status,
            resolved_at=now if status == "resolved" else None,
        )
    for _ in range(rng.randrange(0, 5)):
        coming = rng.random() < 0.2
        starts = (
            now + timedelta(hours=next(future) * 1.5)
            if coming
            else now - timedelta(hours=next(past) * 1.5)
        )
        status = "scheduled" if coming else rng.choice(["completed"] * 4 + ["no_show", "cancelled"])
        if coming and rng.random() < 0.2:
            status = "cancelled"
        state = "none"
        if status == "completed":
            state = rng.choice(["to_write", "to_write", "awaiting_cosign", "cosigned", "returned"])
        session = Session.objects.create(
            coach=coach,
            client=person,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            modality="phone",
            status=status,
            cancelled_at=now if status == "cancelled" else None,
            created_by=coach,
            note_state=state,
            note_state_at=starts + timedelta(hours=rng.randrange(1, 200)),
        )
        if state != "none" and (state != "to_write" or rng.random() < 0.5):
            signed = None if state == "to_write" else starts + timedelta(hours=2)
            Note.objects.create(session=session, author=coach, signed_at=signed)
