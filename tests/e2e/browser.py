"""Steps the browser tests share: a phone's screen, headings, signing in."""

import re

from playwright.sync_api import Page, expect

from accounts.models import User
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_accessible
from tests.helpers import totp_code

PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def expect_heading(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def expect_message(page: Page, text: str) -> None:
    expect(page.locator(".messages[role=status]")).to_contain_text(text)


def sign_in(page: Page, user: User, *, totp_secret: str | None = None, click="click") -> None:
    """Sign in through the login page (and the TOTP step for staff)."""
    page.goto("/accounts/login/")
    expect_heading(page, "Sign in")
    assert_accessible(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    getattr(page.get_by_role("button", name="Sign in"), click)()
    if totp_secret is not None:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        expect_heading(page, "Two-Factor Authentication")
        assert_accessible(page)
        page.get_by_label("Code").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
