"""Trust check-ins in real browsers: a client on a phone answers from the
emailed link; the coach then sees the new score and the flag it raised; the
private request reaches the supervisor and not the coach."""

import re

from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from coaching.models import CheckIn, CheckInRequest
from sessions_log.models import Reminder
from sessions_log.services.outbox import reminders_sweep
from tests.conftest import wait_until
from tests.e2e.browser import PHONE, expect_heading, sign_in
from tests.e2e.conftest import assert_accessible
from tests.helpers import TOTP_SECRET, _completed, enable_totp, first_link

SUPERVISOR_TOTP_SECRET = "KRSXG5CTMVRXEZLU"
ANSWERS = {
    "My coach listened and understood me.": "6",
    "I could be open without feeling judged.": "5",
    "We spent our time on what matters to me.": "7",
    "I trust my coach's ideas enough to try them.": "6",
    "Working with my coach is helping my recovery.": "6",
}  # score 60
CANARY = "PRIVATE-CANARY-9120 please call me on Thursday"


def test_a_client_checks_in_from_the_email_and_coach_and_supervisor_see_what_they_may(
    open_page, live_server, celery_worker_process, mailbox, coach, supervisor, client_user
):
    Authenticator.objects.filter(user=supervisor).delete()
    enable_totp(supervisor, SUPERVISOR_TOTP_SECRET)
    session = _completed(coach, client_user)
    assert CheckInRequest.objects.filter(session=session).exists()
    Reminder.objects.filter(session=session, kind="checkin_request").update(
        next_attempt_at=session.ends_at
    )
    reminders_sweep()
    assert wait_until(lambda: len(mailbox) == 1, timeout=30)
    assert mailbox[0]["Subject"] == "How was your appointment?"
    link = first_link(mailbox[0], r"http://testserver/checkins/link/\S+/")

    phone = open_page(**PHONE)
    phone.goto(link.replace("http://testserver", live_server.url))
    expect_heading(phone, "How is your coaching going?")
    assert_accessible(phone)
    for statement, value in ANSWERS.items():
        phone.get_by_role("group", name=statement).get_by_label(value, exact=True).check()
    phone.get_by_label("Anything you want to add? (optional)").fill("Sessions feel rushed")
    phone.get_by_label("I'd like to talk with a supervisor about my coaching").check()
    phone.get_by_label("Message for the supervisor (optional)").fill(CANARY)
    phone.get_by_role("button", name="Send my check-in").click()
    expect_heading(phone, "Thank you")
    assert_accessible(phone)
    assert CheckIn.objects.get().score == 60

    # The client signs in later and sees their history.
    sign_in(phone, client_user)
    phone.get_by_role("link", name="My check-ins").click()
    expect_heading(phone, "My check-ins")
    expect(phone.get_by_role("img", name=re.compile("scores, oldest first: 60"))).to_be_visible()
    assert_accessible(phone)

    desk = open_page()
    sign_in(desk, coach, totp_secret=TOTP_SECRET)
    expect_heading(desk, "My caseload")
    row = desk.get_by_role("row", name=re.compile(client_user.display_name))
    expect(row).to_contain_text("60")
    expect(row.locator(".flag-count")).to_have_text("2")  # a low score and a low answer
    assert_accessible(desk)
    row.get_by_role("link", name=client_user.display_name).click()
    expect(desk.get_by_text("Low score: Score 60")).to_be_visible()
    expect(desk.get_by_text("Sessions feel rushed")).to_be_visible()
    assert_accessible(desk)
    assert "CANARY" not in desk.content()
    desk.get_by_role("button", name="Acknowledge low score").click()
    expect(desk.locator(".messages")).to_contain_text("Flag acknowledged.")

    review = open_page()
    sign_in(review, supervisor, totp_secret=SUPERVISOR_TOTP_SECRET)
    review.get_by_role("navigation", name="Main").get_by_role("link", name="Flags inbox").click()
    expect_heading(review, "Flags inbox")
    expect(review.get_by_text(CANARY)).to_be_visible()
    expect(review.get_by_text(re.compile("Low score, Score 60"))).to_be_visible()
    assert_accessible(review)
