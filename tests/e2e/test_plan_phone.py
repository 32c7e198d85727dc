"""The recovery plan, built together, with the client on a phone (375 px).

The coach starts the plan with a goal and a step; the client, on the phone,
adds a second goal and two steps, and agrees (their typed name and a tick);
the coach signs; the client marks a step done and says how it went; the
coach's next note records the goal it worked on, and the plan shows that
session under the goal; the supervisor sees when the plan is due for review.
Every client page fits 375 px and 320 px without sideways scrolling, its
answers are 44 px tap targets, and axe-core finds nothing serious.
"""

import re
from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import NoteGoal, PlanVersion, Step
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import TOTP_SECRET, area, enable_totp, past_contact

SUPERVISOR_TOTP_SECRET = "KRSXG5CTMVRXEZLU"


def _add_step(page, goal: str, action: str, whose: str) -> None:
    form = page.locator("#add-step")
    form.get_by_label("For which goal").select_option(label=goal)
    form.get_by_label("The step (something small to try)").fill(action)
    form.get_by_role("group", name="Whose idea was it").get_by_label(whose).check()
    form.get_by_role("button", name="Add the step").click()
    expect_message(page, "Step added.")


def test_coach_and_client_build_agree_and_follow_a_plan(open_page, coach, client_user, supervisor):
    for name in ("Housing", "Health"):
        area(name)  # the live server's database is flushed between tests
    Authenticator.objects.filter(user=supervisor).delete()
    enable_totp(supervisor, SUPERVISOR_TOTP_SECRET)
    plan_url = reverse("coaching:plan", args=[client_user.pk])

    # The coach starts the plan with the client: a goal and a step.
    desk = open_page()
    sign_in(desk, coach, totp_secret=TOTP_SECRET)
    desk.goto(plan_url)
    expect_heading(desk, "Recovery plan of Robin Park")
    assert_accessible(desk)
    form = desk.locator("#add-goal")
    form.get_by_label("Your goal, in your own words").fill("A place of my own")
    form.get_by_label("Part of life").select_option(label="Housing")
    form.get_by_label("Why it matters to you (optional)").fill("Somewhere safe to rest")
    form.get_by_role("button", name="Add the goal").click()
    expect_message(desk, "Goal added.")
    _add_step(desk, "A place of my own", "Call the housing office", "The coach")
    assert_accessible(desk)

    # The client, on the phone: a second goal and two more steps.
    phone = open_page(**PHONE)
    sign_in(phone, client_user)
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="My plan").click()
    expect_heading(phone, "My recovery plan")
    check_client_page(phone, 375, "plan")
    form = phone.locator("#add-goal")
    form.get_by_label("Your goal, in your own words").fill("Sleep better")
    form.get_by_label("Part of life").select_option(label="Health")
    form.get_by_role("button", name="Add the goal").click()
    expect_message(phone, "Goal added.")
    _add_step(phone, "Sleep better", "No screens after ten", "The client")
    _add_step(phone, "A place of my own", "Look at two flats", "The client")
    assert Step.objects.count() == 3
    check_client_page(phone, 375, "plan-with-steps")

    # The client agrees: their name, typed, and a tick.
    agreement = phone.locator("#agreement")
    agreement.get_by_label("Type your name").fill("Robin Park")
    agreement.get_by_label(re.compile("I agree to this plan")).check()
    agreement.get_by_role("button", name="Agree to my plan").click()
    expect_message(phone, "waiting for your coach to sign")

    # The coach signs: the plan is agreed.
    desk.reload()
    desk.locator("#agreement").get_by_role("button", name="Sign the plan").click()
    expect_message(desk, "Plan signed. It is agreed.")
    version = PlanVersion.objects.get()
    assert version.is_agreed and version.client_name == "Robin Park"

    # On the phone: the step is done, and how it went.
    phone.reload()
    # A step not done yet opens its "How is it going?" on the client's phone.
    step = phone.locator(".plan-step", has_text="Look at two flats")
    step.get_by_label("Done", exact=True).check()
    step.get_by_label("How it went (optional)").fill("Saw one I liked")
    step.get_by_role("button", name="Save").click()
    expect_message(phone, "Thank you for saying how it is going")
    expect(phone.locator(".plan-step", has_text="Look at two flats")).to_contain_text("Done")
    check_client_page(phone, 375, "plan-done")
    phone.set_viewport_size({"width": 320, "height": 568})
    phone.reload()
    check_client_page(phone, 320, "plan-320")
    # Encrypted: read in Python, not filtered in SQL.
    assert {step.action: step.state for step in Step.objects.all()}["Look at two flats"] == "done"
    assert PlanVersion.objects.count() == 1  # progress is not a change to what was agreed

    # The coach's next note records the goal it worked on.
    session = past_contact(coach, client_user, timedelta(hours=2))
    desk.goto(reverse("sessions_log:session_detail", args=[session.pk]))
    expect_heading(desk, "Session with Robin Park")
    desk.get_by_role("button", name="Write the note").click()
    desk.get_by_label("Housing: A place of my own").check()
    desk.get_by_label("What you worked on for “A place of my own” (optional)").fill(
        "Planned the flat viewings"
    )
    desk.get_by_label("What happened").fill("We went through the flats Robin saw.")
    desk.get_by_role("button", name="Sign note").click()
    expect_message(desk, "Note signed.")
    assert_accessible(desk)
    assert list(NoteGoal.objects.values_list("goal__words", "words")) == [
        ("A place of my own", "Planned the flat viewings")
    ]
    desk.goto(plan_url)
    goal = desk.locator(".plan-goal", has_text="A place of my own")
    expect(goal.locator(".plan-sessions")).to_contain_text("Planned the flat viewings")

    # The supervisor sees when the plan is due for review.
    review = open_page()
    sign_in(review, supervisor, totp_secret=SUPERVISOR_TOTP_SECRET)
    review.goto(plan_url)
    expect_heading(review, "Recovery plan of Robin Park")
    due = timezone.localdate() + timedelta(days=settings.PLAN_REVIEW_DAYS)
    status = review.locator(".plan-status")
    expect(status).to_contain_text("Review due")
    expect(status).to_contain_text(f"{due.day} {due:%b %Y}")
    assert_accessible(review)
