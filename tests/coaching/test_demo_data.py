from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import CaseloadAssignment, PayerIdentity, Role, User
from coaching.models import (
    BillingOrganisation,
    Consent,
    Disclosure,
    Episode,
    OutreachAttempt,
    Plan,
    ProgrammePayer,
    ProviderIdentity,
    TrustFlag,
)
from coaching.selectors.billing import claim_preview
from coaching.selectors.consents import consent_state
from coaching.selectors.plan_figures import with_plan_status
from coaching.services.figures import figures_drift
from coaching.x12.identifiers import icd10_error, npi_error, tax_id_error, taxonomy_error
from coaching.x12.validate import validate
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


@pytest.mark.django_db
def test_it_gives_the_claim_identities_a_payer_checks(settings):
    """What an 837P names, as the X12 library checks it: the billing NPI and
    the coaches' rendering NPIs pass the NPI check digit (CMS NPI standard,
    45 CFR 162.406: Luhn over 80840 and the first nine digits), the EIN is
    9 digits, the taxonomies are NUCC codes, the billing provider's ZIP has
    9 digits (837P 005010X222A1 loop 2010AA N403), each open episode of a
    billed client has an ICD-10-CM diagnosis, the programme a fee."""

    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")

    organisation = BillingOrganisation.objects.get()
    assert npi_error(organisation.npi) is None
    assert tax_id_error(organisation.tax_id) is None
    assert taxonomy_error(organisation.taxonomy) is None
    assert len(organisation.postal_code) == 9 and organisation.postal_code.isdigit()
    providers = ProviderIdentity.objects.select_related("coach")
    assert {provider.coach.email for provider in providers} == {
        "casey@demo.test",
        "jordan@demo.test",
    }
    for provider in providers:
        assert npi_error(provider.npi) is None
        assert provider.taxonomy == "175T00000X"  # NUCC: Peer Specialist
    robin = PayerIdentity.objects.get(client__email="robin@demo.test")
    assert (robin.legal_last_name, robin.sex, robin.member_id) == ("Park", "F", "MCD-104477")
    for episode in Episode.objects.filter(
        client__email__in=["robin@demo.test", "morgan@demo.test"], discharge_date__isnull=True
    ):
        assert icd10_error(episode.diagnosis_code) is None
    assert FundingProgramme.objects.get(name="Medicaid").fee_per_unit > 0
    assert ProgrammePayer.objects.get().payer_id == "ACME1"


@pytest.mark.django_db
def test_claim_batch_on_fresh_demo_data_writes_an_837p_the_validator_accepts(
    settings, tmp_path, capsys
):
    """Issue 27 point 7: on a fresh `make run`, `claim_batch --all` makes a
    file that pyx12 (837P 005010X222A1 map) accepts with no error: Robin's
    four weekly sessions (45 minutes: 3 units each under CMS Pub 100-04
    ch.5 §20.2), while Taylor (no consent naming the payer) and Morgan
    (consent revoked, no payer details) are left out with why. A second run
    makes nothing and writes no file."""

    settings.DEBUG = True
    call_command("demo_data")
    today = timezone.localdate()
    first, last = (today - timedelta(days=35)).isoformat(), today.isoformat()
    out = tmp_path / "demo.837"
    call_command("claim_batch", "--all", "--from", first, "--to", last, "--out", str(out))

    text = out.read_text()
    assert validate(text) == []
    segments = [segment.strip() for segment in text.split("~")]
    service_lines = [segment for segment in segments if segment.startswith("SV1*")]
    assert service_lines and all(line.startswith("SV1*HC:H0038") for line in service_lines)
    assert len(service_lines) == 4
    assert "NM1*IL*1*PARK*ROBIN" in text.upper() and "MOSS" not in text.upper()
    output = capsys.readouterr().out
    assert "Taylor Moss" in output and "Morgan Diaz" in output  # left out, with why

    again = tmp_path / "again.837"
    call_command("claim_batch", "--all", "--from", first, "--to", last, "--out", str(again))
    assert not again.exists()


@pytest.mark.django_db
def test_its_kept_figures_say_what_its_history_says(settings):
    """The demo writes history past the services (sessions and attempts
    dated in the past): its figures are then repaired, so the dashboards
    show that history and the nightly check finds no drift to email the
    admins about."""
    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")
    assert OutreachAttempt.objects.exists()
    assert not figures_drift().any
