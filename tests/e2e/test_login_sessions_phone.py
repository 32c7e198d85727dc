"""The sessions page on a 320 px phone: a client signed in on a laptop and
on their phone opens "Sessions" on the phone, sees both (this one marked),
and signs the laptop out; the laptop is then asked to sign in again. The
page fits 320 px without sideways scrolling, its buttons are 44 px tap
targets, and axe-core finds nothing serious or critical."""

import re

from playwright.sync_api import expect

from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_trust_loop_phone import check_client_page

SMALL = {**PHONE, "viewport": {"width": 320, "height": 568}}
# A phone's whole description, as browsers send it: long, and shown whole.
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _buttons_are_tap_targets(page) -> None:
    for box in [button.bounding_box() for button in page.locator("main button").all()]:
        assert box["height"] >= 44 and box["width"] >= 44, box


def test_a_client_signs_their_laptop_out_from_their_phone(open_page, client_user):
    laptop = open_page(user_agent="Laptop browser")
    sign_in(laptop, client_user)
    phone = open_page(**SMALL, user_agent=IPHONE)
    sign_in(phone, client_user)

    phone.goto("/accounts/sessions/")
    expect_heading(phone, "Sessions")
    cards = phone.locator("li.card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="iPhone OS 17_5")).to_contain_text("This one")
    expect(cards.filter(has_text="Laptop browser")).not_to_contain_text("This one")
    check_client_page(phone, 320, "sessions")
    assert_accessible(phone)
    _buttons_are_tap_targets(phone)

    cards.filter(has_text="Laptop browser").get_by_role("button", name="Sign this one out").click()
    expect_message(phone, "That session is signed out.")
    expect(phone.locator("li.card")).to_have_count(1)
    check_client_page(phone, 320, "sessions-after")
    assert_accessible(phone)

    laptop.goto("/my/sessions/")
    expect(laptop).to_have_url(re.compile(r"/accounts/login/"))
