"""A session's whole life, in real browsers: the coach schedules one, closes
one that has started and signs its note; the supervisor co-signs it; the client
sees the agreed next steps (and nothing private) on a phone."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from sessions_log.models import Note, NoteReview, ServiceType, Session
from sessions_log.services.sessions import session_schedule
from tests.conftest import wait_until
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.helpers import TOTP_SECRET, enable_totp

# The supervisor gets a secret of their own: a code cannot be used twice, and
# the cast's coach and supervisor otherwise share one secret.
SUPERVISOR_TOTP_SECRET = "KRSXG5CTMVRXEZLU"
# What the coach writes. Only NEXT_STEPS may ever reach the client.
GOALS = "“Get through the weekend without a drink.”"
NARRATIVE = "NARRATIVE-CANARY: we talked through the hard evenings and the cravings."
CLIENT_WORDS = "CLIENT-WORDS-CANARY: “I can call someone instead of going out.”"
NEXT_STEPS = "Call the Tuesday group leader; write down three safe places to go."
ADDENDUM = "ADDENDUM-CANARY: Robin also asked about the food bank on Main Street."
PRIVATE_AGENDA = "AGENDA-CANARY: ask about housing."


def _started_session(coach: User, client: User) -> Session:
    """A phone session that began 50 minutes ago and is still scheduled.

    Scheduling refuses the past, so it is scheduled for later and then moved
    back in the database, as if the time had come."""
    session = session_schedule(
        actor=coach,
        client=client,
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality=Session.Modality.PHONE,
    )
    starts_at = (timezone.now() - timedelta(minutes=50)).replace(second=0, microsecond=0)
    Session.objects.filter(pk=session.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    return session


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_coach_schedules_completes_and_signs_a_note_supervisor_cosigns_client_sees_next_steps(
    live_server, open_page, settings, coach, client_user, supervisor
):
    settings.SITE_URL = live_server.url
    # Allow the one step of clock drift a phone's authenticator app gets in
    # real life, so a 30-second boundary cannot fail the test.
    settings.MFA_TOTP_TOLERANCE = 1
    zone = "America/Chicago"
    coach.time_zone = zone
    coach.save(update_fields=["time_zone"])
    Authenticator.objects.filter(user=supervisor).delete()
    enable_totp(supervisor, SUPERVISOR_TOTP_SECRET)
    ServiceType.objects.create(name="Peer support")
    started = _started_session(coach, client_user)
    tomorrow = timezone.localdate(timezone=zoneinfo.ZoneInfo(zone)) + timedelta(days=1)

    # --- The coach signs in and schedules a session for tomorrow at 10:30.
    page = open_page()
    sign_in(page, coach, totp_secret=TOTP_SECRET)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agenda").click()
    expect(page).to_have_url(re.compile(r"/sessions/$"))
    expect_heading(page, "Agenda")
    assert_accessible(page)
    page.get_by_role("link", name="Schedule a session").click()
    expect(page).to_have_url(re.compile(r"/sessions/new/$"))
    expect_heading(page, "Schedule a session")
    expect(page.get_by_text(f"Times are in your time zone ({zone}).")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Client").select_option(label="Robin Park")
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Start time").fill("10:30")
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_label("How you meet").select_option(label="In person")
    page.get_by_label("Place").fill("Community centre, room 2")
    page.get_by_label("Private agenda").fill(PRIVATE_AGENDA)
    page.get_by_role("button", name="Schedule").click()

    expect(page).to_have_url(re.compile(r"/sessions/$"))
    expect_message(page, "Session scheduled.")
    week = page.get_by_role("region", name="Next 7 days")
    row = week.get_by_role("row", name=re.compile(r"Robin Park"))
    expect(row).to_have_count(1)
    when = f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b}, 10:30–11:15"
    expect(row.get_by_role("cell").first).to_have_text(when)
    expect(row).to_contain_text("In person, Community centre, room 2")
    expect(row).to_contain_text("Scheduled")
    assert_accessible(page)
    scheduled = Session.objects.exclude(pk=started.pk).get(client=client_user)
    assert scheduled.starts_at.astimezone(zoneinfo.ZoneInfo(zone)).time().isoformat() == "10:30:00"
    assert scheduled.agenda == PRIVATE_AGENDA

    # Its detail page, from the agenda row, has no "How did it go?" yet.
    row.get_by_role("link", name=when).click()
    expect(page).to_have_url(re.compile(rf"/sessions/{scheduled.pk}/$"))
    expect_heading(page, "Session with Robin Park")
    expect(page.get_by_text(PRIVATE_AGENDA)).to_be_visible()
    expect(page.get_by_role("button", name="Mark completed")).to_have_count(0)
    assert_accessible(page)

    # --- The session that started 50 minutes ago: the coach marks it completed.
    page.goto(f"/sessions/{started.pk}/")
    expect_heading(page, "Session with Robin Park")
    close = page.get_by_role("region", name="How did it go?")
    expect(close.get_by_role("button", name="Mark as no-show")).to_be_visible()
    assert_accessible(page)
    # The booking is the default (50 minutes so far of the hour booked), with
    # its units (CMS Pub. 100-04 ch. 5 §20.2: 50 minutes = 3); the coach says
    # it took 20 minutes and sees the units change before saving.
    expect(close.get_by_label("Minutes actually spent")).to_have_value(re.compile(r"^5[01]$"))
    expect(close.locator("#unit-preview")).to_contain_text("minutes = 3 units")
    close.get_by_label("Minutes actually spent").fill("20")
    expect(close.locator("#unit-preview")).to_contain_text("20 minutes = 1 unit on its own")
    close.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_role("region", name="How did it go?")).to_have_count(0)
    note_region = page.get_by_role("region", name="Note")
    expect(note_region.get_by_role("button", name="Write the note")).to_be_visible()
    assert_accessible(page)
    started.refresh_from_db()
    assert started.status == Session.Status.COMPLETED
    assert (started.minutes_spent, started.actual_start) == (20, started.starts_at)

    # --- The coach writes the note; typing autosaves the draft.
    note_region.get_by_role("button", name="Write the note").click()
    expect(page.get_by_label("What happened")).to_be_visible()
    autosave = page.locator("#autosave-status")
    expect(autosave).to_have_attribute("role", "status")
    expect(autosave).to_be_empty()
    assert_accessible(page)
    page.get_by_label("Peer support").check()
    page.get_by_label("Goals worked on (in the client's words)").fill(GOALS)
    page.get_by_label("What happened").fill(NARRATIVE)
    page.get_by_label("The client's own words or takeaway").fill(CLIENT_WORDS)
    page.get_by_label("Next steps").fill(NEXT_STEPS)
    expect(autosave).to_have_text(re.compile(r"^\s*Draft saved at \d\d:\d\d\.\s*$"))
    assert_accessible(page)
    # The fields were filled within one debounce, so one save holds them all;
    # on a slow machine an earlier save may show first, so wait for the last.
    note = Note.objects.get(session=started)
    assert wait_until(
        # Encrypted at rest: compare the decrypted value, not the column.
        lambda: Note.objects.get(pk=note.pk).next_steps == NEXT_STEPS,
        timeout=10,
    )
    note.refresh_from_db()
    assert note.signed_at is None
    assert (note.goals, note.narrative, note.client_words, note.next_steps) == (
        GOALS,
        NARRATIVE,
        CLIENT_WORDS,
        NEXT_STEPS,
    )
    assert note.services == ["Peer support"]

    # The draft is still there after a reload.
    page.reload()
    expect(page.get_by_label("What happened")).to_have_value(NARRATIVE)
    expect(page.get_by_label("Peer support")).to_be_checked()

    # --- The coach signs the note; it becomes read-only.
    page.get_by_role("button", name="Sign note").click()
    expect_message(page, "Note signed. It can no longer be edited.")
    note_region = page.get_by_role("region", name="Note")
    expect(note_region.get_by_role("button", name="Sign note")).to_have_count(0)
    expect(note_region.get_by_role("textbox", name="What happened")).to_have_count(0)
    expect(note_region).to_contain_text(f"by {coach.display_name}")
    expect(note_region).to_contain_text(NARRATIVE)
    expect(note_region).to_contain_text(CLIENT_WORDS)
    expect(note_region).to_contain_text(NEXT_STEPS)
    expect(note_region).to_contain_text("Peer support")
    assert_accessible(page)

    # --- A correction goes in as a signed addendum.
    page.get_by_label("Addendum").fill(ADDENDUM)
    page.get_by_role("button", name="Sign and add addendum").click()
    expect_message(page, "Addendum signed and added.")
    addenda = page.get_by_role("list").filter(has_text=ADDENDUM)
    expect(page.get_by_role("heading", level=3, name="Addenda")).to_be_visible()
    expect(addenda.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_label("Addendum")).to_be_empty()
    assert_accessible(page)

    # --- The supervisor, in their own browser, co-signs the note.
    review = open_page()
    sign_in(review, supervisor, totp_secret=SUPERVISOR_TOTP_SECRET)
    review.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Notes to review"
    ).click()
    expect(review).to_have_url(re.compile(r"/review/$"))
    expect_heading(review, "Notes to review")
    queue_row = review.get_by_role("row", name=re.compile(r"Robin Park"))
    expect(queue_row).to_have_count(1)
    expect(queue_row).to_contain_text(coach.display_name)
    assert_accessible(review)
    queue_row.get_by_role("link", name="Open the note").click()
    expect(review).to_have_url(re.compile(rf"/sessions/{started.pk}/$"))
    expect_heading(review, "Session with Robin Park")
    expect(review.get_by_text(NARRATIVE)).to_be_visible()
    expect(review.get_by_text(ADDENDUM)).to_be_visible()
    # The coach's tools are not the supervisor's.
    expect(review.get_by_role("button", name="Sign and add addendum")).to_have_count(0)
    assert_accessible(review)
    review.get_by_label("Co-sign", exact=True).check()
    review.get_by_label("Comment for the coach").fill("Clear and in Robin's words. Thanks.")
    review.get_by_role("button", name="Record review").click()
    expect(review).to_have_url(re.compile(r"/review/$"))
    expect_message(review, "Review recorded.")
    expect(review.get_by_text("No notes are waiting for review.")).to_be_visible()
    assert_accessible(review)
    assert NoteReview.objects.filter(
        note=note, reviewer=supervisor, decision=NoteReview.Decision.COSIGNED
    ).exists()

    # The coach sees the co-signature on the note.
    page.reload()
    expect(page.get_by_role("heading", level=3, name="Reviews")).to_be_visible()
    expect(page.get_by_text(f"Co-signed by {supervisor.display_name}")).to_be_visible()
    assert_accessible(page)

    # --- The client, on a phone, sees the next steps and the coming session.
    phone = open_page(**PHONE)
    sign_in(phone, client_user, click="tap")
    expect(phone).to_have_url(re.compile(r"/my/sessions/$"))
    expect_heading(phone, "My sessions")
    past = phone.get_by_role("region", name="Past")
    past_card = past.get_by_role("listitem").filter(has_text="Next steps we agreed:")
    expect(past_card).to_have_count(1)
    expect(past_card).to_contain_text(NEXT_STEPS)
    expect(past_card).to_contain_text("With Casey · Phone · Completed")
    upcoming = phone.get_by_role("region", name="Upcoming")
    upcoming_card = upcoming.get_by_role("listitem").filter(has_text="With Casey")
    expect(upcoming_card).to_have_count(1)
    expect(upcoming_card).to_contain_text("With Casey · In person")
    expect(upcoming_card).to_contain_text("Place: Community centre, room 2")
    # Nothing private reaches the client's page.
    body = phone.locator("body")
    for private in (NARRATIVE, CLIENT_WORDS, GOALS, ADDENDUM, PRIVATE_AGENDA, "CANARY"):
        expect(body).not_to_contain_text(private)
    assert_accessible(phone)
