"""Caseload review in a real browser: a supervisor finds a flagged client
from the dashboard, reads the history, resolves the flag, co-signs a note and
downloads the report."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from allauth.mfa.models import Authenticator
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import TrustFlag
from sessions_log.models import NoteReview
from tests.e2e.browser import expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.helpers import LOW, _submit, enable_totp, signed_contact

SUPERVISOR_TOTP_SECRET = "KRSXG5CTMVRXEZLU"


def test_a_supervisor_goes_from_the_dashboard_to_a_flag_a_note_and_the_report(
    open_page, coach, supervisor, client_user
):
    Authenticator.objects.filter(user=supervisor).delete()
    enable_totp(supervisor, SUPERVISOR_TOTP_SECRET)
    _contact, note = signed_contact(coach, client_user, narrative="We planned the week.")
    _submit(client_user, answers=LOW)

    page = open_page()
    sign_in(page, supervisor, totp_secret=SUPERVISOR_TOTP_SECRET)
    expect_heading(page, "Team dashboard")
    assert_accessible(page)
    page.get_by_role("link", name="2 open flags, Casey Rivera").click()
    expect_heading(page, "Flags inbox")
    assert_accessible(page)

    page.get_by_role("link", name="Robin Park").first.click()
    expect_heading(page, "Robin Park")
    expect(page.get_by_text("Check-in about Casey Rivera: score 60")).to_be_visible()
    expect(page.get_by_text("Note signed by Casey Rivera")).to_be_visible()
    assert_accessible(page)
    page.go_back()

    card = page.get_by_role("listitem").filter(has_text="Low score")
    card.get_by_label(re.compile("What was done about it")).fill("Called Robin; new plan agreed.")
    card.get_by_role("button", name=re.compile("^Resolve")).click()
    expect_message(page, "Flag resolved.")
    expect_heading(page, "Flags inbox")
    assert TrustFlag.objects.get(rule="low_score").status == "resolved"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notes to review").click()
    page.get_by_role("row", name=re.compile("Robin Park")).get_by_role(
        "link", name="Open the note"
    ).click()
    page.get_by_label("Co-sign", exact=True).check()
    page.get_by_role("button", name="Record review").click()
    expect_message(page, "Review recorded.")
    assert NoteReview.objects.filter(note=note, decision="cosigned").exists()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team dashboard").click()
    page.get_by_role("link", name="Caseload report (CSV)").click()
    expect_heading(page, "Caseload report")
    assert_accessible(page)
    today = timezone.localdate()
    page.get_by_label("From").fill(str(today - timedelta(days=30)))
    page.get_by_label("To (inclusive)").fill(str(today))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    casey = next(row for row in rows if row[0] == "coach" and row[2] == "Casey Rivera")
    assert casey[4] == "1" and casey[8] == "1" and casey[12] == "60"
