"""From intake to claim: the coach admits a client, logs an attempt, logs a
session with its code and programme and signs the note (seeing its units);
the supervisor co-signs; the admin prepares the claim file, which lists a
client without a covering consent apart and leaves them out, and downloads
it (the notice at its head); the client sees the disclosure on their phone.
Client pages fit 320 px without sideways scrolling; axe-core finds nothing
serious on any page."""

import csv
import io
import re
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from coaching.models import Disclosure, ProgrammePayer, Recipient
from coaching.selectors.billing import CLAIM_HEADER
from coaching.services.consents import REDISCLOSURE_NOTICE, consent_prepare, consent_sign
from sessions_log.models import FundingProgramme, NoteReview, ServiceCode, ServiceType, Session
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log
from tests.coaching.test_episodes import source
from tests.conftest import make_user
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import TOTP_SECRET

SMALL = {**PHONE, "viewport": {"width": 320, "height": 568}}


def _payer():
    medicaid = FundingProgramme.objects.get_or_create(name="Medicaid")[0]
    acme = Recipient.objects.create(name="Acme Health Plan", kind=Recipient.Kind.ORGANISATION)
    ProgrammePayer.objects.create(programme=medicaid, recipient=acme)
    ServiceType.objects.get_or_create(name="Peer support")
    ServiceCode.objects.get_or_create(
        code="H0038", modifiers="", defaults={"description": "Peer services, per 15 minutes"}
    )
    return medicaid, acme


def _unconsented_session(coach, supervisor, medicaid, day):
    """Another client of the coach, with a billable session and no consent."""
    kai = make_user("kai@example.org", Role.CLIENT, name="Kai Nakamura")
    CaseloadAssignment.objects.create(coach=coach, client=kai)
    started = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 8))
    session = contact_log(
        actor=coach,
        client=kai,
        started_at=started,
        duration=timedelta(minutes=30),
        modality="phone",
        service_code=ServiceCode.objects.get(code="H0038", modifiers=""),
        funding_programme=medicaid,
    )
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Called about work.")
    note = note_sign(actor=coach, note=note)
    note_review(actor=supervisor, note=note, decision=NoteReview.Decision.COSIGNED)


def test_intake_to_claim_with_one_client_consented_and_one_not(
    open_page, coach, supervisor, client_user, admin_user
):
    source("Self")  # the live server's database is flushed between tests
    medicaid, acme = _payer()
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        legal_name=client_user.display_name,
        information_from=date(2020, 1, 1),
        recipient=acme,
        purpose="Billing Medicaid for peer support",
        information=["service_record", "billing_ids"],
        ends_on_event="The end of my Medicaid enrolment",
    )
    consent_sign(actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True)
    coach.credential = "CPRS"
    coach.save()
    yesterday = timezone.localdate() - timedelta(days=1)
    _unconsented_session(coach, supervisor, medicaid, yesterday)

    staff = open_page()
    sign_in(staff, coach, totp_secret=TOTP_SECRET)
    # Intake.
    staff.goto(reverse("coaching:episodes", args=[client_user.pk]))
    expect_heading(staff, "Episodes of care: Robin Park")
    staff.get_by_label("Where they came from").select_option(label="Self")
    staff.get_by_role("button", name="Start the episode").click()
    expect_message(staff, "Episode started.")
    # A logged attempt.
    staff.goto(reverse("coaching:outreach", args=[client_user.pk]))
    staff.get_by_role("group", name="1. How").get_by_label("Phone").check()
    staff.get_by_role("button", name="Reached").click()
    expect_message(staff, "Logged: Phone, reached.")
    # A session, logged with its place, code and programme.
    staff.goto(reverse("sessions_log:contact_log"))
    expect_heading(staff, "Log a past contact")
    assert_accessible(staff)
    staff.get_by_label("Client").select_option(label="Robin Park")
    staff.get_by_label("Date").fill(yesterday.isoformat())
    staff.get_by_label("Start time").fill("10:00")
    staff.get_by_label("Minutes actually spent").fill("38")
    staff.get_by_label("How you met").select_option(label="In person")
    staff.get_by_label("Setting (for the claim)").select_option(label="Community")
    staff.get_by_label("Service code").select_option(label="H0038")
    staff.get_by_label("Funding programme").select_option(label="Medicaid")
    staff.get_by_role("button", name="Log it and write the note").click()
    expect_message(staff, "Contact logged.")
    # The note: its units show before signing; the signature carries the credential.
    assert "Signing bills 3 units for 38 minutes of H0038 (Medicaid)" in (
        staff.locator("#billing-preview").inner_text()
    )
    assert_accessible(staff)
    staff.get_by_label("What happened").fill("Walked to the job centre together.")
    staff.get_by_label("Peer support").check()
    staff.get_by_role("button", name="Sign note").click()
    expect_message(staff, "Note signed.")
    assert "by Casey Rivera, CPRS. Units at signing: 3." in staff.locator("#signature").inner_text()
    session = Session.objects.get(client=client_user)
    note_review(actor=supervisor, note=session.note, decision=NoteReview.Decision.COSIGNED)

    # The claim: Kai has no consent naming Acme, so is listed apart and left out.
    billing = open_page()
    sign_in(billing, admin_user, totp_secret=TOTP_SECRET)
    billing.goto(reverse("coaching:claims"))
    expect_heading(billing, "Claim review sheet")
    assert_accessible(billing)
    billing.get_by_label("Funding programme").select_option(label="Medicaid")
    billing.get_by_label("From").fill(yesterday.isoformat())
    billing.get_by_label("To (inclusive)").fill(yesterday.isoformat())
    billing.get_by_role("button", name="Prepare the claim").click()
    preview = billing.locator("section[aria-labelledby=preview-heading]").inner_text()
    assert "For Acme Health Plan: 1 session, 3 units, 1 client." in preview
    left_out = billing.get_by_role("list", name="Left out: no covering consent")
    assert left_out.inner_text().strip() == "Kai Nakamura"
    assert_accessible(billing)
    with billing.expect_download() as download:
        billing.get_by_role("button", name="Download the claim file").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [REDISCLOSURE_NOTICE]
    claim = rows[rows.index(CLAIM_HEADER) + 1 :]
    assert [row[CLAIM_HEADER.index("client")] for row in claim] == ["Robin Park"]
    # 42 CFR 2.13(a), minimum necessary: the services the note ticked are not on a claim.
    assert "services addressed" not in CLAIM_HEADER
    assert "Kai Nakamura" not in text
    # Disclosed only when marked sent (42 CFR 2.25): the day and how.
    assert not Disclosure.objects.exists()
    billing.goto(reverse("coaching:claims"))
    sent = billing.get_by_role("button", name=re.compile(r"^Mark file \d+ sent$"))
    sent.click()
    expect_message(billing, "marked sent: the disclosures are recorded")
    assert_accessible(billing)
    assert Disclosure.objects.get().client == client_user

    # The client sees it on their phone, in plain words.
    phone = open_page(**SMALL)
    sign_in(phone, client_user)
    phone.goto(reverse("accounts:record_views"))
    check_client_page(phone, 320, "record-views-billing")
    phone.goto(reverse("coaching:my_consents"))
    expect_heading(phone, "My consents")
    assert "sent your attendance and service record" in phone.content()
    assert "to Acme Health Plan in a claim file" in phone.content()
    check_client_page(phone, 320, "my-consents-claim")
