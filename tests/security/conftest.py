"""Two sides for the security tests: North (client Robin, coach Casey,
supervisor Sam) and South (client Riley, coach Jordan, supervisor Pat), each
with a closed session, a signed note, a trust flag and a private request."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.models import Role
from coaching.models import (
    Claim,
    ClaimBatch,
    ClaimInterchange,
    ClaimSheet,
    Episode,
    PlanVersion,
    Recipient,
    ReferralSource,
    Remittance,
    SupervisorRequest,
    TrustFlag,
)
from coaching.services.consent_documents import consent_document_keep
from coaching.services.consents import consent_prepare, consent_sign
from coaching.services.disclosures import consent_disclose
from coaching.services.plans import goal_add, step_add
from coaching.services.record_requests import record_request_log
from coaching.services.trust import checkin_submit
from common.dates import local_today
from sessions_log.models import FundingProgramme, SessionGroup
from tests.conftest import make_user
from tests.helpers import area, signed_contact

LOW = {"heard": 6, "safe": 5, "focus": 7, "trust": 6, "helping": 6}


def _side(coach, client, supervisor):
    """One side's objects: a closed session with a signed note, its client,
    its coach, a trust flag, a private request, and the client's recovery
    plan (a goal, a step, the open draft version) and a consent the client
    signed."""
    session, note = signed_contact(coach, client)
    checkin_submit(client=client, answers=LOW, talk_to_supervisor=True)
    goal = goal_add(actor=client, client=client, area=area(), words="A home")
    step = step_add(actor=coach, goal=goal, action="Visit", who="both", suggested_by="coach")
    consent = consent_prepare(
        actor=coach,
        client=client,
        legal_name=client.display_name,
        information_from=date(2020, 1, 1),
        recipient=Recipient.objects.get_or_create(name="Acme Health Plan", kind="organisation")[0],
        purpose="Billing",
        information=["service_record"],
        ends_on_event="The end of my enrolment",
    )
    consent_sign(actor=client, consent=consent, typed_name=client.display_name, confirmed=True)
    outgoing = consent_disclose(
        actor=coach, consent=consent, start=date(2020, 1, 1), end=local_today(client)
    )
    claim = _claim(coach, client)
    return {
        # A CSV claim file as downloaded, naming the client (not yet sent).
        "claim_sheet": ClaimSheet.objects.create(
            programme=FundingProgramme.objects.get(name="Medicaid"),
            recipient=consent.recipient,
            first_day=session_day(),
            last_day=session_day(),
            file_text="Claim",
            service_dates={str(client.pk): [session_day().isoformat()] * 2},
            created_by=coach,
        ).pk,
        "remittance": Remittance.objects.create(
            payer_name="Acme Health Plan",
            trace_number=f"T{client.pk}",
            payer_tax_id="999999999",
            payment_date=session_day(),
            payment_amount=0,
            file_text="ISA*",
            uploaded_by=coach,
        ).pk,
        "batch": claim.batch_id,
        "claim": claim.pk,
        "session": session.pk,
        "note": note.pk,
        "client": client.pk,
        "coach": coach.pk,
        "flag": TrustFlag.objects.filter(client=client).first().pk,
        "request": SupervisorRequest.objects.get(client=client).pk,
        "goal": goal.pk,
        "step": step.pk,
        "version": PlanVersion.objects.get(plan__client=client).pk,
        "consent": consent.pk,
        "outgoing_file": outgoing.pk,
        "consent_document": consent_document_keep(
            actor=coach,
            consent=consent,
            kind="signed_consent",
            content_type="application/pdf",
            data=b"%PDF-1.7 scan",
        ).pk,
        "record_request": record_request_log(
            actor=coach,
            client=client,
            kind="access",
            received_on=session.starts_at.date(),
            asked="A copy",
        ).pk,
        "group": SessionGroup.objects.create(coach=coach, created_by=coach).pk,
        "episode": Episode.objects.create(
            client=client,
            intake_date=session.starts_at.date(),
            referral_source=ReferralSource.objects.first(),
            opened_by=coach,
        ).pk,
    }


def _claim(coach, client):
    """A claim of the client's in a batch of its own (no lines: the pages
    and services answer before they read any)."""
    interchange = ClaimInterchange.objects.create(
        created_by=coach, control_number=client.pk, file_text="ISA*"
    )
    batch = ClaimBatch.objects.create(
        interchange=interchange,
        programme=FundingProgramme.objects.get(name="Medicaid"),
        created_by=coach,
        first_day=session_day(),
        last_day=session_day(),
    )
    return Claim.objects.create(
        batch=batch, client=client, coach=coach, claim_id=f"T{client.pk}", total_charge=0
    )


def session_day():
    return timezone.localdate()


@pytest.fixture
def world(client_user, coach, supervisor, other_client, other_coach, other_team, admin_user):
    other_supervisor = make_user("pat@example.org", Role.SUPERVISOR, team=other_team)
    return {
        "objects": {
            "north": _side(coach, client_user, supervisor),
            "south": _side(other_coach, other_client, other_supervisor),
        },
        # persona -> (user, side)
        "personas": {
            "client": (client_user, "north"),
            "another client": (other_client, "south"),
            "coach": (coach, "north"),
            "another coach": (other_coach, "south"),
            "supervisor": (supervisor, "north"),
            "another team's supervisor": (other_supervisor, "south"),
            "admin": (admin_user, None),
        },
    }
