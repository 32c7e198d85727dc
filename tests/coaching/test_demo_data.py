from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, User
from coaching.models import (
    Consent,
    Disclosure,
    Episode,
    OutreachAttempt,
    Plan,
    ProgrammePayer,
    TrustFlag,
)
from coaching.selectors.billing import claim_preview
from coaching.selectors.consents import consent_state
from coaching.selectors.plan_figures import with_plan_status
from sessions_log import billing
from sessions_log.models import FundingProgramme, Session
from tests.helpers import totp_code


@pytest.mark.django_db
def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo_data")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_prints_logins_that_work_and_can_run_twice(settings, client, capsys):

    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")
    output = capsys.readouterr().out
    assert User.objects.filter(role=Role.CLIENT).count() == 5
    assert CaseloadAssignment.objects.filter(ended_at__isnull=True).count() == 5

    line = next(line for line in output.splitlines() if "Coach" in line)
    _role, email, password, *rest = line.split()
    secret = rest[-1]
    client.post("/accounts/login/", {"login": email, "password": password})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert client.get("/caseload/").status_code == 200

    client.post("/accounts/logout/")
    client_line = next(line for line in output.splitlines() if line.strip().startswith("Client"))
    _role, email, password = client_line.split()
    client.post("/accounts/login/", {"login": email, "password": password})
    page = client.get("/my/sessions/")
    assert page.status_code == 200
    if email == "robin@demo.test":
        assert "Go to the job fair on Thursday" in page.content.decode()


@pytest.mark.django_db
def test_it_makes_plans_in_every_state(settings):

    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")

    rows = with_plan_status(CaseloadAssignment.objects.filter(ended_at__isnull=True))
    status = {
        row.client.email: (
            Plan.objects.filter(client=row.client).exists(),
            row.plan_agreed_at is not None,
            row.plan_review_due,
            row.plan_not_agreed,
        )
        for row in rows.select_related("client")
    }
    assert status == {
        "robin@demo.test": (True, True, False, False),  # agreed last week
        "taylor@demo.test": (True, False, False, False),  # a draft
        "morgan@demo.test": (True, True, True, False),  # due for review
        "riley@demo.test": (False, False, False, True),  # none, six weeks in
        "quinn@demo.test": (False, False, False, True),
    }


@pytest.mark.django_db
def test_it_makes_episodes_attempts_and_a_no_contact_flag(settings):

    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")

    episodes = {}
    for episode in Episode.objects.select_related("client").order_by("intake_date"):
        episodes.setdefault(episode.client.email, []).append(episode.discharge_reason or "open")
    assert episodes == {
        "taylor@demo.test": ["goals_met", "open"],  # readmitted
        "robin@demo.test": ["open"],
        "riley@demo.test": ["lost_contact"],
        "morgan@demo.test": ["open"],
    }
    assert OutreachAttempt.objects.count() == 5
    flagged = TrustFlag.objects.filter(rule="no_contact").values_list("client__email", flat=True)
    assert sorted(flagged) == ["morgan@demo.test", "quinn@demo.test"]


@pytest.mark.django_db
def test_it_makes_consents_in_every_state_and_a_disclosure(settings):

    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")

    states = {
        consent.client.email: consent_state(consent, consent.prepared_at.date()).key
        for consent in Consent.objects.select_related("client")
    }
    assert states == {
        "robin@demo.test": "active",
        "taylor@demo.test": "draft",
        "morgan@demo.test": "revoked",
    }
    disclosure = Disclosure.objects.select_related("client", "recipient").get()
    assert (disclosure.client.email, disclosure.recipient.label) == (
        "robin@demo.test",
        "Acme Health Plan",
    )


@pytest.mark.django_db
def test_it_makes_a_month_of_billable_sessions_and_a_claim_that_leaves_clients_out(settings):

    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")

    billable = Session.objects.filter(billing.billable())
    assert billable.count() == 12  # weekly, four weeks, three clients
    assert {session.note.signed_credential for session in billable} == {"CPRS"}
    assert ProgrammePayer.objects.get().recipient.name == "Acme Health Plan"
    admin = User.objects.get(email="admin@demo.test")
    today = timezone.localdate()
    preview = claim_preview(
        admin,
        start=today - timedelta(days=35),
        end=today,
        programme=FundingProgramme.objects.get(name="Medicaid"),
    )
    # Robin's consent names Acme; Taylor has none for it, Morgan revoked theirs.
    assert [client.display_name for client in preview["clients"]] == ["Robin Park"]
    assert [client.display_name for client in preview["left_out"]] == ["Morgan Diaz", "Taylor Moss"]
    assert preview["sessions"] == 4 and preview["units"] == 4 * 3
