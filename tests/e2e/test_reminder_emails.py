"""Reminder emails end to end: a real worker sends one, the client stops that
kind from the email's link on a phone and sets quiet hours; an admin reads
the failed deliveries."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from sessions_log.models import Reminder, ReminderPreference
from sessions_log.services.outbox import reminders_sweep
from sessions_log.services.sessions import session_schedule
from tests.conftest import wait_until
from tests.e2e.browser import PHONE, expect_heading, expect_message, sign_in
from tests.e2e.conftest import assert_accessible
from tests.helpers import TOTP_SECRET, first_link

Kind, Status = Reminder.Kind, Reminder.Status


def _in_three_days(coach, client):
    return session_schedule(
        actor=coach,
        client=client,
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality="phone",
    )


def test_a_client_stops_one_kind_of_email_from_its_link_and_sets_quiet_hours(
    open_page, live_server, celery_worker_process, mailbox, coach, client_user
):
    session = _in_three_days(coach, client_user)
    first = Reminder.objects.get(session=session, kind=Kind.FIRST_REMINDER)
    Reminder.objects.filter(pk=first.pk).update(
        due_at=timezone.now(), next_attempt_at=timezone.now()
    )
    reminders_sweep()
    assert wait_until(lambda: len(mailbox) == 1, timeout=30)
    link = first_link(mailbox[0], r"http://testserver/emails/unsubscribe/\S+")
    link = link.replace("http://testserver", live_server.url)

    page = open_page(**PHONE)
    page.goto(link)
    expect_heading(page, "Stop emails")
    assert_accessible(page)
    page.get_by_role("button", name="Stop these emails").click()
    expect(page.get_by_text("Done: you will no longer get")).to_contain_text(
        "a reminder 24 hours before"
    )
    assert_accessible(page)
    assert ReminderPreference.objects.get(user=client_user).first_reminder is False

    page.get_by_role("link", name="Email settings").last.click()
    sign_in(page, client_user)
    page.goto("/emails/")
    expect_heading(page, "Email settings")
    expect(page.get_by_label("A reminder 24 hours before")).not_to_be_checked()
    expect(page.get_by_label("A reminder 1 hour before")).to_be_checked()
    page.get_by_label("Quiet hours start").fill("22:30")
    page.get_by_label("Quiet hours end").press("Tab")
    page.get_by_role("button", name="Save").press("Enter")
    expect_message(page, "Your email choices are saved.")
    assert_accessible(page)
    pref = ReminderPreference.objects.get(user=client_user)
    assert pref.quiet_start.hour == 22 and pref.quiet_start.minute == 30


def test_an_admin_reads_failed_deliveries(open_page, admin_user, coach, client_user):
    session = _in_three_days(coach, client_user)
    Reminder.objects.filter(session=session, kind=Kind.FIRST_REMINDER).update(
        status=Status.FAILED, attempts=1, last_error="SMTPRecipientsRefused: 550 mailbox unknown"
    )
    page = open_page()
    sign_in(page, admin_user, totp_secret=TOTP_SECRET)
    page.get_by_role("link", name="Failed deliveries").click()
    expect(page).to_have_url(re.compile(r"/emails/problems/$"))
    expect_heading(page, "Deliveries that failed")
    row = page.get_by_role("row", name=re.compile("550 mailbox unknown"))
    expect(row).to_contain_text(client_user.email)
    assert_accessible(page)
