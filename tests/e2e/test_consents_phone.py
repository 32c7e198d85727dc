"""Consents on a 320 px phone: the coach prepares a consent, the client reads
it in plain words and signs it with their name and a tick, the coach
discloses under it (a CSV download with the notice at its head), the client
sees what was shared in plain words and revokes the consent after a confirm
step. Every page fits 320 px without sideways scrolling, its answers are
44 px tap targets, and axe-core finds nothing serious."""

import csv
import io

from django.urls import reverse
from playwright.sync_api import expect

from coaching.models import Consent, Disclosure, Recipient
from coaching.services.consents import REDISCLOSURE_NOTICE
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import TOTP_SECRET

SMALL = {**PHONE, "viewport": {"width": 320, "height": 568}}


def test_client_signs_sees_a_disclosure_and_revokes_on_a_small_phone(open_page, coach, client_user):
    Recipient.objects.create(name="Acme Health Plan", kind=Recipient.Kind.ORGANISATION)
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
    with staff.expect_download() as download:
        staff.get_by_role("button", name="Download the CSV").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    assert next(csv.reader(io.StringIO(text))) == [REDISCLOSURE_NOTICE]
    assert Disclosure.objects.get().consent == consent

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
