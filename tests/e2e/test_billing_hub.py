"""Billing at 1024 px (issue 27 point 8): an admin goes from the home page
to Billing in one click, sees the lines ready to claim, makes a batch (the
second click), downloads its 837P (which pyx12 accepts) and finds the batch
among the recent ones. Neither page scrolls sideways at 1024 px; axe-core
finds nothing serious or critical on either."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import ClaimBatch, ReferralSource
from coaching.x12.validate import validate
from tests.e2e.browser import expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.helpers import TOTP_SECRET, billable_contact, billing_identities

DESKTOP = {"viewport": {"width": 1024, "height": 768}}


def _fits(page, width=1024):
    layout = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert layout["inner"] == width
    assert layout["scroll"] <= width, f"{page.url} scrolls sideways at {width} px: {layout}"


def test_home_to_billing_to_a_downloaded_batch_at_1024_px(
    open_page, coach, supervisor, client_user, admin_user
):
    # The live server's database is flushed between tests: a referral source again.
    ReferralSource.objects.get_or_create(name="Self")
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    day = timezone.localdate() - timedelta(days=2)
    started = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10))
    billable_contact(coach, client_user, started=started, minutes=45, supervisor=supervisor)

    page = open_page(**DESKTOP)
    sign_in(page, admin_user, totp_secret=TOTP_SECRET)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    expect_heading(page, "Billing")
    ready = page.get_by_role("table").first
    expect(ready).to_contain_text("Robin Park")
    expect(ready).to_contain_text("55.50")
    _fits(page)
    assert_accessible(page)

    page.get_by_role("button", name=re.compile(r"^Make batch")).click()
    batch = ClaimBatch.objects.get()
    expect_heading(page, f"Batch {batch.pk}: Medicaid")
    expect_message(page, f"Batch {batch.pk} made")
    expect(page.get_by_role("table")).to_contain_text("In batch")
    _fits(page)
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the 837P file").click()
    text = open(download.value.path(), encoding="ascii").read()  # noqa: PTH123, SIM115
    assert text.startswith("ISA*")
    assert validate(text) == []

    page.get_by_role("link", name="Billing").first.click()
    expect_heading(page, "Billing")
    recent = page.get_by_role("table", name="Recent batches")
    expect(recent).to_contain_text(f"Batch {batch.pk}")
    expect(recent).to_contain_text("1 in batch")
    _fits(page)
    assert_accessible(page)
