"""Consents on a 320 px phone (issue 28): the coach prepares a consent, the
client sees it waiting on their home, reads every element in plain words,
signs it with their name and a tick and downloads the signed copy; the
coach downloads a disclosure under it (a CSV with the notice at its head)
and marks it sent; a disclosure made outside the app is recorded; the
client reads their accounting of disclosures, revokes the consent after a
confirm step and downloads their whole record (PDF and JSON). Every page
fits 320 px without sideways scrolling, its answers are 44 px tap targets,
and axe-core finds nothing serious."""

import csv
import io
import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import Consent, Disclosure, Recipient
from coaching.services.consents import REDISCLOSURE_NOTICE
from coaching.services.outside_disclosures import disclosure_record_outside
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import TOTP_SECRET

SMALL = {**PHONE, "viewport": {"width": 320, "height": 568}}


def test_client_signs_sees_a_disclosure_and_revokes_on_a_small_phone(open_page, coach, client_user):
    Recipient.objects.create(
        name="Acme Health Plan",
        kind=Recipient.Kind.ORGANISATION,
        covered_entity=True,
        address="PO Box 100, Springfield, IL 62701",
    )
    staff = open_page(**SMALL)
    sign_in(staff, coach, totp_secret=TOTP_SECRET)
    staff.goto(reverse("coaching:client_consents", args=[client_user.pk]))
    expect_heading(staff, "Consents: Robin Park")
    check_client_page(staff, 320, "consents-staff-empty")
    staff.get_by_label("The client's legal name").fill("Robin Alexandra Park")
    staff.get_by_label("What it is for").select_option(label="Payment")
    staff.get_by_label("To an organisation").select_option(label="Acme Health Plan")
    staff.get_by_label("In words: what for").fill("Billing Medicaid for peer support")
    staff.get_by_label("Attendance and service record").check()
    staff.get_by_label("Information from").fill("2026-01-01")
    staff.get_by_label("Or ends on an event").fill("The end of my Medicaid enrolment")
    staff.get_by_role("button", name="Prepare it for the client to sign").click()
    expect_message(staff, "Prepared.")
    consent = Consent.objects.get()

    phone = open_page(**SMALL)
    sign_in(phone, client_user)
    phone.goto(reverse("coaching:client_home"))
    assert "A consent is waiting for you" in phone.content()
    check_client_page(phone, 320, "home-consent-waiting")
    # In the menu and on the home: the home's button.
    phone.get_by_role("main").get_by_role("link", name="My consents").click()
    expect_heading(phone, "My consents")
    check_client_page(phone, 320, "my-consents-draft")
    phone.get_by_role("link", name="To Acme Health Plan").click()
    expect_heading(phone, "Consent to share with Acme Health Plan")
    words = phone.get_by_role("region", name="What it says")
    assert "Robin Alexandra Park" in words.inner_text()
    assert "Your records may go to Acme Health Plan." in words.inner_text()
    assert "If you do not sign, you will still get peer recovery coaching" in words.inner_text()
    check_client_page(phone, 320, "consent-to-sign")
    phone.get_by_label("Type your full name to sign").fill("robin park")
    phone.get_by_label("I have read this consent and I agree to it.").check()
    phone.get_by_role("button", name="Sign this consent").click()
    expect_message(phone, "Signed.")
    expect(phone.get_by_role("heading", name="The consent as signed")).to_be_visible()
    consent.refresh_from_db()
    assert "Signed by robin park on" in phone.locator("#signed-copy").inner_text()
    check_client_page(phone, 320, "consent-signed")
    with phone.expect_download() as signed_copy:
        phone.get_by_role("link", name="Download the signed copy").click()
    kept = open(signed_copy.value.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    assert kept == consent.signed_text and "Robin Alexandra Park" in kept

    staff.goto(reverse("coaching:consent_disclosure", args=[consent.pk]))
    expect_heading(staff, "Disclose to Acme Health Plan")
    check_client_page(staff, 320, "consent-disclose")
    today = timezone.localdate()
    staff.get_by_label("Information from").fill("2026-01-01")
    staff.get_by_label("to:", exact=True).fill(today.isoformat())
    with staff.expect_download() as download:
        staff.get_by_role("button", name="Download the CSV").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    assert next(csv.reader(io.StringIO(text))) == [REDISCLOSURE_NOTICE]
    assert not Disclosure.objects.exists()  # downloaded, not yet sent
    staff.goto(reverse("coaching:consent_disclosure", args=[consent.pk]))
    staff.get_by_label("Sent on").fill(today.isoformat())
    staff.get_by_label("How").select_option(label="Email")
    staff.get_by_role("button", name="Mark file").click()
    assert Disclosure.objects.get().consent == consent
    # And one made outside the app, by phone, in a medical emergency (42 CFR 2.51).
    disclosure_record_outside(
        actor=coach,
        client=client_user,
        sent_at=timezone.now() - timedelta(hours=1),
        basis="emergency",
        recipient_name="Dr Ana Ruiz, St Mary's emergency department",
        information=["service_record"],
        service_from=today - timedelta(days=30),
        service_to=today,
        purpose="Overdose treated in the emergency department",
        sent_by="phone",
    )

    # The client's accounting (42 CFR 2.25; 45 CFR 164.528), from the menu.
    phone.goto(reverse("coaching:client_home"))
    phone.get_by_role("link", name="Who my information went to").first.click()
    expect_heading(phone, "Who my information went to")
    entries = phone.locator(".accounting").inner_text()
    assert "Dr Ana Ruiz, St Mary's emergency department" in entries
    assert "in a medical emergency (42 CFR 2.51)" in entries
    assert "Acme Health Plan" in entries and "Billing Medicaid for peer support" in entries
    check_client_page(phone, 320, "my-accounting")

    phone.goto(reverse("coaching:my_consents"))
    assert "Casey Rivera sent your attendance and service record to Acme Health Plan" in (
        phone.content()
    )
    check_client_page(phone, 320, "my-consents-shared")
    phone.get_by_role("link", name="To Acme Health Plan").click()
    phone.get_by_role("link", name="Revoke this consent").click()
    expect_heading(phone, "Revoke your consent?")
    check_client_page(phone, 320, "consent-revoke")
    phone.get_by_role("button", name="Yes, revoke it now").click()
    expect_message(phone, "Revoked.")
    consent.refresh_from_db()
    assert consent.revoked_by == client_user
    assert "You revoked it" in phone.content()

    # The client's own copy of their whole record (45 CFR 164.524).
    phone.goto(reverse("coaching:my_record"))
    expect_heading(phone, "My record")
    check_client_page(phone, 320, "my-record-with-consents")
    with phone.expect_download() as pdf:
        phone.get_by_role("link", name="Download it as a PDF").click()
    assert open(pdf.value.path(), "rb").read().startswith(b"%PDF-")  # noqa: PTH123, SIM115
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download it as a file (JSON)").click()
    record = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: PTH123, SIM115
    assert record["consents"][0]["signed_text"] == kept
    assert {entry["recipient"] for entry in record["disclosures"]} == {
        "Acme Health Plan",
        "Dr Ana Ruiz, St Mary's emergency department",
    }
