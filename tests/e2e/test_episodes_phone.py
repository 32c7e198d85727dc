"""Episodes of care and outreach on a 320 px phone: the coach admits a
client, sets their contact preferences with them, logs an attempt in two
taps and discharges; the client reads their episodes in plain words. Every
page fits 320 px without sideways scrolling, its answers are 44 px tap
targets, and axe-core finds nothing serious."""

from django.urls import reverse

from coaching.models import Episode, OutreachAttempt
from tests.coaching.test_episodes import source
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import TOTP_SECRET

SMALL = {**PHONE, "viewport": {"width": 320, "height": 568}}


def test_coach_admits_reaches_out_and_discharges_on_a_small_phone(open_page, coach, client_user):
    source("Court or probation")  # the live server's database is flushed between tests
    phone = open_page(**SMALL)
    sign_in(phone, coach, totp_secret=TOTP_SECRET)

    phone.goto(reverse("coaching:episodes", args=[client_user.pk]))
    expect_heading(phone, "Episodes of care: Robin Park")
    check_client_page(phone, 320, "episodes-empty")
    phone.get_by_label("Where they came from").select_option(label="Court or probation")
    phone.get_by_role("button", name="Start the episode").click()
    expect_message(phone, "Episode started.")
    check_client_page(phone, 320, "episodes-open")

    phone.goto(reverse("coaching:outreach", args=[client_user.pk]))
    expect_heading(phone, "Reaching Robin Park")
    phone.get_by_text("Set contact preferences with the client").click()
    phone.get_by_role("checkbox", name="Text", exact=True).check()
    phone.get_by_label("OK to text").check()
    phone.get_by_role("button", name="Save the preferences").click()
    expect_message(phone, "Contact preferences saved.")
    check_client_page(phone, 320, "outreach")
    # Two taps: the channel (already the preferred one), then the outcome.
    phone.get_by_role("group", name="1. How").get_by_label("Phone").check()
    phone.get_by_role("button", name="Left a message").click()
    expect_message(phone, "Logged: Phone, left a message.")
    attempt = OutreachAttempt.objects.get()
    assert (attempt.channel, attempt.outcome) == ("phone", "left_message")

    phone.goto(reverse("coaching:episodes", args=[client_user.pk]))
    phone.get_by_label("Reason").select_option(label="Goals met")
    phone.get_by_label("Short summary (optional)").fill("Working again; knows where we are.")
    phone.get_by_role("button", name="Discharge").click()
    expect_message(phone, "Discharged.")
    assert Episode.objects.get().discharge_reason == "goals_met"

    mine = open_page(**SMALL)
    sign_in(mine, client_user)
    mine.goto(reverse("coaching:my_episodes"))
    expect_heading(mine, "My time with us")
    check_client_page(mine, 320, "my-episodes")
    assert "It ended because: goals met." in mine.content()
