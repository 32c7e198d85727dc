"""The whole way in, in a real browser: admin -> coach -> client (on a phone)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.browser import PHONE, expect_heading
from tests.e2e.conftest import assert_accessible
from tests.helpers import first_link, text_body, totp_code

ADMIN_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # what tests.conftest.admin_user is given
COACH_EMAIL = "morgan@example.org"
COACH_PASSWORD = "violet-harbour-lantern-93"
CLIENT_EMAIL = "jamie@example.org"
CLIENT_PASSWORD = "quiet-meadow-compass-58"


def _invitation_link(mailbox, to: str, live_server) -> str:
    messages = [message for message in mailbox if message["To"] == to]
    assert len(messages) == 1, [message["To"] for message in mailbox]
    assert messages[0]["Subject"] == "Your invitation to set up an account"
    return first_link(messages[0], re.escape(live_server.url) + r"/invite/\S+/")


def _set_up_account(page: Page, link: str, *, name: str, password: str, zone: str, click):
    """Open an invitation link and fill in the set-up form; `click` is
    `"click"` on a laptop and `"tap"` on a phone."""
    page.goto(link)
    expect_heading(page, "Set up your account")
    assert_accessible(page)
    page.get_by_label("Your name").fill(name)
    # The page preselects the browser's time zone.
    expect(page.get_by_label("Your time zone")).to_have_value(zone)
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("Type the password again").fill(password)
    getattr(page.get_by_role("button", name="Create my account"), click)()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_invites_coach_who_invites_client_who_signs_in_on_a_phone(
    live_server, open_page, mailbox, settings, admin_user, team
):
    settings.SITE_URL = live_server.url
    # The test computes a code a moment before the server checks it; allow the
    # one step of drift an authenticator app on a phone gets in real life, so a
    # 30-second boundary in between cannot fail the test.
    settings.MFA_TOTP_TOLERANCE = 1

    # --- The admin signs in with password and authenticator code.
    admin = open_page()
    admin.goto("/accounts/login/")
    expect_heading(admin, "Sign in")
    assert_accessible(admin)
    # Keyboard users can jump over the header straight to the content.
    admin.keyboard.press("Tab")
    skip_link = admin.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    admin.keyboard.press("Enter")
    expect(admin.locator("main")).to_be_focused()

    admin.get_by_label("Email").fill(admin_user.email)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    expect(admin).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect_heading(admin, "Two-Factor Authentication")
    assert_accessible(admin)
    admin.get_by_label("Code").fill(totp_code(ADMIN_TOTP_SECRET))
    admin.get_by_role("button", name="Sign In").click()

    # --- The admin invites a coach to team North.
    expect(admin).to_have_url(re.compile(r"/manage/$"))
    expect_heading(admin, "Invitations and teams")
    expect(admin.get_by_role("cell", name="North", exact=True)).to_be_visible()
    assert_accessible(admin)
    invite = admin.get_by_role("region", name="Invite a staff member")
    invite.get_by_label("Email address").fill(COACH_EMAIL)
    invite.get_by_label("Role").select_option(label="Coach")
    invite.get_by_label("Team").select_option(label="North")
    invite.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_role("status")).to_contain_text(f"Invitation sent to {COACH_EMAIL}.")
    invitations = admin.get_by_role("region", name="Invitations sent")
    expect(invitations.get_by_role("row", name=re.compile(re.escape(COACH_EMAIL)))).to_contain_text(
        "Coach"
    )
    assert_accessible(admin)
    coach_link = _invitation_link(mailbox, COACH_EMAIL, live_server)

    # --- The coach, in their own browser, sets up the account.
    coach = open_page(timezone_id="Europe/London")
    coach.goto(coach_link)
    expect(coach.get_by_text(f"You were invited as {COACH_EMAIL}")).to_be_visible()
    _set_up_account(
        coach,
        coach_link,
        name="Morgan Lee",
        password=COACH_PASSWORD,
        zone="Europe/London",
        click="click",
    )

    # Staff must set up two-factor authentication before anything else.
    expect(coach).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect_heading(coach, "Activate Authenticator App")
    expect(coach.get_by_role("status")).to_contain_text("Set up two-factor authentication")
    assert_accessible(coach)
    secret = coach.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    coach.get_by_label("Authenticator code").fill(totp_code(secret))
    coach.get_by_role("button", name="Activate").click()
    expect_heading(coach, "Recovery Codes")
    expect(coach.get_by_role("status")).to_contain_text("Authenticator app activated.")
    expect(coach.get_by_label("Unused codes")).not_to_be_empty()
    assert_accessible(coach)

    # --- The coach invites a client from their caseload.
    coach.goto("/")
    expect(coach).to_have_url(re.compile(r"/caseload/$"))
    expect_heading(coach, "My caseload")
    expect(coach.get_by_text("No clients yet.")).to_be_visible()
    assert_accessible(coach)
    coach.get_by_label("Client's email address").fill(CLIENT_EMAIL)
    coach.get_by_role("button", name="Send invitation").click()
    expect(coach.get_by_role("status")).to_contain_text(f"Invitation sent to {CLIENT_EMAIL}.")
    assert_accessible(coach)
    client_link = _invitation_link(mailbox, CLIENT_EMAIL, live_server)
    client_email = next(message for message in mailbox if message["To"] == CLIENT_EMAIL)
    assert "Morgan invited you" in text_body(client_email)

    # --- The client, on a phone, sets a password and sees who they work with.
    client = open_page(**PHONE, timezone_id="America/Chicago")
    _set_up_account(
        client,
        client_link,
        name="Jamie Fox",
        password=CLIENT_PASSWORD,
        zone="America/Chicago",
        click="tap",
    )
    expect(client).to_have_url(re.compile(r"/my/sessions/$"))
    expect_heading(client, "My sessions")
    expect(client.get_by_text("You are working with Morgan.")).to_be_visible()
    assert_accessible(client)

    # --- The client signs out, then back in with email and password.
    client.get_by_role("button", name="Sign out").tap()
    expect(client).to_have_url(re.compile(r"/accounts/login/$"))
    expect_heading(client, "Sign in")
    expect(client.get_by_role("status")).to_contain_text("You have signed out.")
    assert_accessible(client)
    client.get_by_label("Email").fill(CLIENT_EMAIL)
    client.get_by_label("Password").fill(CLIENT_PASSWORD)
    client.get_by_role("button", name="Sign in").tap()
    expect(client).to_have_url(re.compile(r"/my/sessions/$"))
    expect_heading(client, "My sessions")
    expect(client.get_by_text("You are working with Morgan.")).to_be_visible()
    assert_accessible(client)
