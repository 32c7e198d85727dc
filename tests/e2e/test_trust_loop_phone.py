"""The trust loop, closed after one session, with the client on a phone.

A coach logs a past contact and signs its note (desktop); the client answers
the emailed check-in with one thumb, low, with a comment and a private request
to talk with a supervisor; the supervisor is told by email and finds the
request first on the dashboard, then in the inbox, and takes it; the coach sees
and acknowledges the flags but nothing of the request and cannot resolve; the
client, signed in on the phone, reads "A supervisor will contact you."

Run at 375 px and at 320 px wide. Every client page must fit the screen (no
sideways scrolling), every answer is a tap target of at least 44 x 44 px, the
0-10 scale reads as one row or two balanced rows (0-5 / 6-10), and axe-core
finds nothing serious. Set PHONE_SCREENSHOTS=<dir> to keep a full-page
screenshot of each client page.
"""

import os
import re
import time
import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from coaching.models import CheckIn, SupervisorRequest, TrustFlag
from coaching.services.trust import checkin_link_issue
from sessions_log.models import Reminder, Session
from sessions_log.services.outbox import reminders_sweep
from tests.conftest import wait_until
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.helpers import TOTP_SECRET, _completed, enable_totp, first_link, text_body

SUPERVISOR_TOTP_SECRET = "KRSXG5CTMVRXEZLU"
ANSWERS = {
    "My coach listened and understood me.": "3",
    "I could be open without feeling judged.": "2",
    "We spent our time on what matters to me.": "4",
    "I trust my coach's ideas enough to try them.": "3",
    "Working with my coach is helping my recovery.": "3",
}  # score 30: a low score and a low answer
COMMENT = "It felt rushed and I did not feel heard."
CANARY = "PRIVATE-CANARY-5521 I would rather not say this in front of my coach"
# What the coach must never read anywhere about the private request.
NOT_FOR_THE_COACH = (CANARY, "CANARY", "talk with a supervisor", "private request", "Someone asked")
CHECKIN_SECONDS = 60
PHONES = {
    "375px": PHONE,
    "320px": {**PHONE, "viewport": {"width": 320, "height": 568}},
}

# What one page looks like to the layout checks: how wide the document is,
# every radio answer's tap target (its label), and each checkbox with its label.
_LAYOUT = """() => {
  const box = (element) => {
    const rect = element.getBoundingClientRect();
    return {left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom,
            width: rect.width, height: rect.height};
  };
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > doc.clientWidth + 0.5)
    .slice(0, 5)
    .map((element) => `${element.tagName.toLowerCase()}.${element.getAttribute("class")}`
      + ` right=${Math.round(element.getBoundingClientRect().right)}`);
  const radios = [...document.querySelectorAll("input[type=radio]")].map((input) => ({
    name: input.name, value: input.value, labelled: input.labels.length > 0,
    ...box(input.labels.length ? input.labels[0] : input),
  }));
  const checkboxes = [...document.querySelectorAll("input[type=checkbox]")].map((input) => ({
    name: input.name, input: box(input), label: input.labels.length ? box(input.labels[0]) : null,
  }));
  const menu = [...document.querySelectorAll(".site-header a, .site-header button")].map(
    (element) => ({text: element.textContent.trim(), ...box(element)}));
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide, radios, checkboxes,
          menu};
}"""


def screenshot(page: Page, name: str) -> None:
    """With PHONE_SCREENSHOTS set: the whole page, and the screen as first seen."""
    shots = os.environ.get("PHONE_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=f"{shots}/{width}-{name}.png", full_page=True)
        page.screenshot(path=f"{shots}/{width}-{name}-screen.png")
        for part in ("fieldset", ".trust-chart"):
            if page.locator(part).count():
                page.locator(part).first.screenshot(path=f"{shots}/{width}-{name}-{part[-5:]}.png")


def check_client_page(page: Page, width: int, name: str) -> dict:
    """The phone rules for one client page; returns what was measured."""
    screenshot(page, name)
    layout = page.evaluate(_LAYOUT)
    assert layout["innerWidth"] == width
    assert layout["scrollWidth"] <= width, (
        f"{name} ({page.url}) scrolls sideways at {width} px: {layout['scrollWidth']} px wide; "
        f"too wide: {layout['wide']}"
    )
    for link in layout["menu"]:
        assert link["height"] >= 44, (
            f"{name} at {width} px: the menu's {link['text']!r} is {link['height']:.0f} px tall"
        )
    for radio in layout["radios"]:
        assert radio["labelled"], f"{name}: answer {radio['name']}={radio['value']} has no label"
        assert radio["width"] >= 44 and radio["height"] >= 44, (
            f"{name} at {width} px: answer {radio['name']}={radio['value']} is a "
            f"{radio['width']:.0f} x {radio['height']:.0f} px tap target"
        )
    for checkbox in layout["checkboxes"]:
        label, box = checkbox["label"], checkbox["input"]
        assert label is not None, f"{name}: checkbox {checkbox['name']} has no label"
        # The box sits on its label's line, right next to it.
        assert box["top"] < label["bottom"] and label["top"] < box["bottom"], (
            f"{name}: checkbox {checkbox['name']} is not on its label's line"
        )
        assert -1 <= label["left"] - box["right"] <= 16 or (
            label["left"] <= box["left"] and box["right"] <= label["right"]
        ), f"{name}: checkbox {checkbox['name']} sits apart from its label"
    assert_accessible(page)
    return layout


def scale_rows(layout: dict) -> dict[str, list[list[str]]]:
    """Each 0-10 question's answers, row by row as they sit on the screen."""
    questions: dict[str, list[dict]] = {}
    for radio in layout["radios"]:
        questions.setdefault(radio["name"], []).append(radio)
    rows = {}
    for name, answers in questions.items():
        tops: dict[int, list[str]] = {}
        for answer in answers:
            tops.setdefault(round(answer["top"]), []).append(answer["value"])
        rows[name] = [tops[top] for top in sorted(tops)]
    return rows


def assert_continuous_scale(layout: dict, width: int) -> None:
    rows = scale_rows(layout)
    assert len(rows) == len(ANSWERS)
    one_row = [[str(value) for value in range(11)]]
    two_rows = [[str(value) for value in range(6)], [str(value) for value in range(6, 11)]]
    for name, answer_rows in rows.items():
        assert answer_rows in (one_row, two_rows), (
            f"at {width} px the answers to {name} sit in rows {answer_rows}"
        )


def assert_nothing_of_the_request(page: Page) -> None:
    content = page.content()
    for words in NOT_FOR_THE_COACH:
        assert words.lower() not in content.lower(), f"the coach can read {words!r} on {page.url}"


def log_contact_and_sign_note(desk: Page, coach, client_user) -> Session:
    """The coach logs a 30-minute phone call that ended an hour ago and signs its note."""
    sign_in(desk, coach, totp_secret=TOTP_SECRET)
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="Agenda").click()
    expect_heading(desk, "Agenda")
    assert_nothing_of_the_request(desk)
    desk.get_by_role("link", name="Log a past contact").click()
    expect_heading(desk, "Log a past contact")
    assert_accessible(desk)
    started = (timezone.now() - timedelta(minutes=90)).astimezone(
        zoneinfo.ZoneInfo(coach.time_zone)
    )
    desk.get_by_label("Client").select_option(label=client_user.display_name)
    desk.get_by_label("Date").fill(started.date().isoformat())
    desk.get_by_label("Actual start time").fill(started.strftime("%H:%M"))
    desk.get_by_label("Minutes actually spent").fill("30")
    desk.get_by_label("How you met").select_option(label="Phone")
    desk.get_by_role("button", name="Log it and write the note").click()
    expect_message(desk, "Contact logged. Write the note below.")
    expect_heading(desk, f"Session with {client_user.display_name}")
    desk.get_by_label("What happened").fill("Talked through the week and the evenings.")
    desk.get_by_role("button", name="Sign note").click()
    expect_message(desk, "Note signed. It can no longer be edited.")
    assert_accessible(desk)
    return Session.objects.get(client=client_user)


@pytest.mark.browser
@pytest.mark.parametrize("phone_args", list(PHONES.values()), ids=list(PHONES))
def test_the_trust_loop_closes_with_the_client_on_a_phone(
    phone_args,
    browser,
    open_page,
    live_server,
    celery_worker_process,
    mailbox,
    coach,
    supervisor,
    client_user,
):
    width = phone_args["viewport"]["width"]
    Authenticator.objects.filter(user=supervisor).delete()
    enable_totp(supervisor, SUPERVISOR_TOTP_SECRET)

    # --- The coach logs the contact and signs the note; the outbox emails the client.
    desk = open_page()
    session = log_contact_and_sign_note(desk, coach, client_user)
    assert_nothing_of_the_request(desk)
    # The request email may be held for the client's quiet hours: let it be due now.
    assert Reminder.objects.filter(session=session, kind="checkin_request").update(
        next_attempt_at=timezone.now()
    )
    reminders_sweep()
    assert wait_until(lambda: any(m["To"] == client_user.email for m in mailbox), timeout=30)
    invitation = next(m for m in mailbox if m["To"] == client_user.email)
    assert invitation["Subject"] == "How was your appointment?"
    link = first_link(invitation, r"http://testserver/checkins/link/\S+/").replace(
        "http://testserver", live_server.url
    )

    # --- The client opens the link on the phone and answers with one thumb.
    phone = open_page(**phone_args)
    started = time.monotonic()
    phone.goto(link)
    expect_heading(phone, "How is your coaching going?")
    took = time.monotonic() - started
    layout = check_client_page(phone, width, "checkin-form")
    assert_continuous_scale(layout, width)
    assert len(layout["radios"]) == 5 * 11
    resumed = time.monotonic()
    for statement, value in ANSWERS.items():
        answer = phone.get_by_role("group", name=statement).get_by_label(value, exact=True)
        answer.tap()
        expect(answer).to_be_checked()
    phone.get_by_label("Anything you want to add? (optional)").fill(COMMENT)
    talk = phone.get_by_label("I'd like to talk with a supervisor about my coaching")
    talk.tap()
    expect(talk).to_be_checked()
    phone.get_by_label("Message for the supervisor (optional)").fill(CANARY)
    screenshot(phone, "checkin-answered")
    phone.get_by_role("button", name="Send my check-in").tap()
    expect_heading(phone, "Thank you")
    took += time.monotonic() - resumed
    print(f"\ncheck-in at {width} px: {took:.1f} s from opening the link to the thanks page")
    assert took < CHECKIN_SECONDS
    expect(phone.get_by_text("Your check-in is saved.")).to_be_visible()
    expect(
        phone.get_by_text("Received. A supervisor of your coach's team will read it.")
    ).to_be_visible()
    check_client_page(phone, width, "checkin-thanks")
    checkin = CheckIn.objects.get()
    assert checkin.score == 30
    assert set(TrustFlag.objects.values_list("rule", flat=True)) == {"low_score", "low_item"}
    private = SupervisorRequest.objects.get()
    assert private.message == CANARY

    # The link worked once: opened again, it says so (410 Gone), and fits too.
    # Chromium logs every 4xx answer as a console error, so this page is opened
    # outside open_page's watch.
    used = browser.new_context(base_url=live_server.url, **phone_args)
    try:
        closed = used.new_page()
        response = closed.goto(link)
        assert response.status == 410
        expect_heading(closed, "Check-in not available")
        expect(closed.get_by_text("This link has already been used")).to_be_visible()
        check_client_page(closed, width, "checkin-closed")
    finally:
        used.close()

    # --- The supervisor is told by email, in neutral words, with a link to the inbox.
    assert wait_until(lambda: any(m["To"] == supervisor.email for m in mailbox), timeout=30)
    notice = next(m for m in mailbox if m["To"] == supervisor.email)
    assert notice["Subject"] == "Someone asked to talk with a supervisor"
    assert first_link(notice) == "http://testserver/supervision/"
    for private_words in (CANARY, client_user.display_name, COMMENT):
        assert private_words not in text_body(notice)
    assert not any(m["To"] == coach.email for m in mailbox)

    # --- The supervisor sees the request first on the dashboard, then in the inbox.
    review = open_page()
    sign_in(review, supervisor, totp_secret=SUPERVISOR_TOTP_SECRET)
    expect_heading(review, "Team dashboard")
    banner = review.locator("main h1 + *")
    expect(banner).to_contain_text("1 private request to talk with a supervisor waiting.")
    assert_accessible(review)
    banner.get_by_role("link", name="Read it").click()
    expect_heading(review, "Flags inbox")
    requests = review.get_by_role("region", name="Private requests to talk with a supervisor")
    card = requests.get_by_role("listitem").filter(has_text=CANARY)
    expect(card).to_contain_text(f"{client_user.display_name} (coach: {coach.display_name})")
    assert_accessible(review)
    card.get_by_role("button", name=re.compile("^I will contact them")).click()
    card = review.get_by_role("listitem").filter(has_text=CANARY)
    expect(card).to_contain_text(f"Taken by {supervisor.display_name}")
    private.refresh_from_db()
    assert private.handled_by == supervisor

    # --- The coach sees the flags on the client's page and may acknowledge,
    # not resolve; nothing they reach tells of the request.
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="My caseload").click()
    expect_heading(desk, "My caseload")
    assert_nothing_of_the_request(desk)
    desk.get_by_role("row", name=re.compile(client_user.display_name)).get_by_role(
        "link", name=client_user.display_name
    ).click()
    expect(desk.get_by_text("Low score: Score 30")).to_be_visible()
    expect(desk.get_by_text(COMMENT)).to_be_visible()
    expect(desk.get_by_role("button", name=re.compile("^Resolve"))).to_have_count(0)
    expect(desk.get_by_label(re.compile("What was done about it"))).to_have_count(0)
    assert_nothing_of_the_request(desk)
    assert_accessible(desk)
    for rule in ("low score", "a low answer"):
        desk.get_by_role("button", name=re.compile(f"^Acknowledge {rule}", re.I)).click()
        expect_message(desk, "Flag acknowledged.")
        assert_nothing_of_the_request(desk)
    assert not TrustFlag.objects.filter(status="open").exists()
    screenshot(desk, "coach-client")
    desk.goto(f"/sessions/{session.pk}/")
    expect_heading(desk, f"Session with {client_user.display_name}")
    assert_nothing_of_the_request(desk)
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="Agenda").click()
    expect_heading(desk, "Agenda")
    assert_nothing_of_the_request(desk)

    # --- The client signs in on the phone and reads where things stand.
    sign_in(phone, client_user, click="tap")
    expect(phone).to_have_url(re.compile(r"/my/sessions/$"))
    expect_heading(phone, "My sessions")
    check_client_page(phone, width, "client-home")
    nav = phone.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="My check-ins").tap()
    expect_heading(phone, "My check-ins")
    expect(
        phone.get_by_role("region", name="Your requests to talk with a supervisor")
    ).to_contain_text("A supervisor will contact you.")
    expect(phone.get_by_role("region", name="Check-ins we followed up")).to_contain_text(
        "Your coach has seen it and will talk with you."
    )
    expect(phone.get_by_role("img", name=re.compile("scores, oldest first: 30"))).to_be_visible()
    # The narrow table numbers its columns; each heading is still read in full.
    for statement in ANSWERS:
        expect(phone.get_by_role("columnheader", name=statement, exact=True)).to_have_count(1)
    assert CANARY not in phone.content()
    check_client_page(phone, width, "my-checkins")
    nav.get_by_role("link", name="Who viewed my record").tap()
    expect_heading(phone, "Who viewed my record")
    check_client_page(phone, width, "my-record")
    nav.get_by_role("link", name="Email settings").tap()
    expect_heading(phone, "Email settings")
    check_client_page(phone, width, "emails")
    nav.get_by_role("link", name="Calendar link").tap()
    expect_heading(phone, "Calendar link")
    check_client_page(phone, width, "calendar")
    phone.get_by_role("button", name="Make my calendar link").tap()
    expect(phone.get_by_label(re.compile("Your private calendar link"))).to_have_value(
        re.compile(r"/calendar/\S+\.ics$")
    )
    check_client_page(phone, width, "calendar-link")


@pytest.mark.browser
def test_on_a_wide_screen_the_scale_is_one_row_and_works_from_the_keyboard(
    open_page, live_server, coach, client_user
):
    session = _completed(coach, client_user)
    token = checkin_link_issue(session=session)
    page = open_page(viewport={"width": 1280, "height": 800})
    page.goto(reverse("coaching:checkin_by_link", args=[token]))
    expect_heading(page, "How is your coaching going?")
    screenshot(page, "checkin-form")
    layout = page.evaluate(_LAYOUT)
    assert layout["scrollWidth"] <= 1280
    one_row = [[str(value) for value in range(11)]]
    assert all(rows == one_row for rows in scale_rows(layout).values()), scale_rows(layout)
    assert all(radio["width"] >= 44 and radio["height"] >= 44 for radio in layout["radios"])
    assert_accessible(page)

    # Keyboard only: the focused answer's whole box shows the focus ring.
    for statement, value in ANSWERS.items():
        group = page.get_by_role("group", name=statement)
        group.get_by_label("0", exact=True).focus()
        for _ in range(int(value)):
            page.keyboard.press("ArrowRight")
        answer = group.get_by_label(value, exact=True)
        expect(answer).to_be_focused()
        expect(answer).to_be_checked()
        ring = answer.evaluate("input => getComputedStyle(input.labels[0]).outlineStyle")
        assert ring == "solid"
    page.keyboard.press("Tab")
    expect(page.get_by_label("Anything you want to add? (optional)")).to_be_focused()
    page.keyboard.press("Tab")
    talk = page.get_by_label("I'd like to talk with a supervisor about my coaching")
    expect(talk).to_be_focused()
    page.keyboard.press("Space")
    expect(talk).to_be_checked()
    page.get_by_role("button", name="Send my check-in").focus()
    page.keyboard.press("Enter")
    expect_heading(page, "Thank you")
    assert CheckIn.objects.get().score == 30

    # On a wide screen the table names each statement in its column heading.
    sign_in(page, client_user)
    page.goto(reverse("coaching:my_checkins"))
    expect_heading(page, "My check-ins")
    for statement in ANSWERS:
        expect(page.get_by_role("columnheader", name=statement, exact=True)).to_be_visible()
    expect(page.locator(".answer-key")).to_be_hidden()
    screenshot(page, "my-checkins")
    assert_accessible(page)
