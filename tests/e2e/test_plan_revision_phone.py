"""Issue 29, point 3, in a browser: the client reads their plan on a phone
(320 px); meanwhile their coach rewrites the goal; the client's "I agree"
is refused with "The plan changed: read it again." and the phone shows the
goal as it is now; agreeing from that page goes through. The page still
fits 320 px and axe-core finds nothing serious."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from coaching.models import PlanVersion
from coaching.services.plans import goal_change
from tests.e2e.browser import PHONE, expect_message, sign_in
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import plan_with

SMALL_PHONE = {**PHONE, "viewport": {"width": 320, "height": 640}}


def _agree(page) -> None:
    agreement = page.locator("#agreement")
    agreement.get_by_label("Type your name").fill("Robin Park")
    agreement.get_by_label(re.compile("I agree to this plan")).check()
    agreement.get_by_role("button", name="Agree to my plan").click()


def test_the_client_is_told_the_plan_changed_while_they_read_it(open_page, coach, client_user):
    (goal,) = plan_with(coach, client_user)
    phone = open_page(**SMALL_PHONE)
    sign_in(phone, client_user)
    phone.goto(reverse("coaching:plan", args=[client_user.pk]))
    expect(phone.locator(".plan-goal")).to_contain_text("Goal 0")

    # The coach, at their desk, rewrites the goal while the phone shows the old words.
    goal_change(actor=coach, goal=goal, area=goal.area, words="Move back in with my mother")
    _agree(phone)

    expect_message(phone, "The plan changed: read it again.")
    expect(phone.locator(".plan-goal")).to_contain_text("Move back in with my mother")
    assert PlanVersion.objects.get().client_confirmed_at is None
    check_client_page(phone, 320, "plan-changed")

    _agree(phone)
    expect_message(phone, "waiting for your coach to sign")
    assert PlanVersion.objects.get().client_confirmed_at is not None
