"""Email pages: one-click unsubscribe, each person's email choices and
quiet hours, the admins' failed deliveries (sessions_log/views/reminders.py)."""

import base64
import email
import email.policy
from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from sessions_log.models import Reminder, ReminderPreference
from sessions_log.services.reminders import unsubscribe_token
from tests.conftest import make_user
from tests.helpers import (
    count_queries,
    schedule_hour,
    sign_in,
    sweep_and_send,
    text_body,
)

Kind, Status = Reminder.Kind, Reminder.Status


pytestmark = pytest.mark.usefixtures("own_smtp_connection")


# Inside a test's transaction on_commit never fires, so `reminders_sweep()`
# here leases rows without queueing tasks; these tests deliver by hand.


# ------------------------------------------------------------ unsubscribe


@pytest.mark.django_db
def test_one_click_unsubscribe_turns_that_kind_off_and_says_so(client, client_user):
    url = reverse(
        "sessions_log:reminder_unsubscribe",
        args=[unsubscribe_token(client_user, Kind.SECOND_REMINDER)],
    )
    assert client.get(url).status_code == 200  # a link scanner's GET changes nothing
    assert not ReminderPreference.objects.filter(user=client_user).exists()

    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "no longer get emails for “a reminder 1 hour before”" in response.content.decode()
    pref = ReminderPreference.objects.get(user=client_user)
    assert pref.second_reminder is False and pref.first_reminder is True
    assert AuditEvent.objects.filter(action="reminders.unsubscribe", actor=client_user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nonsense", "abc:def:ghi"])
def test_a_forged_unsubscribe_link_changes_nothing(client, client_user, token):
    response = client.post(reverse("sessions_log:reminder_unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not ReminderPreference.objects.exists()


@pytest.mark.django_db
def test_an_unsubscribe_link_for_an_unknown_kind_is_refused(client, client_user):
    token = unsubscribe_token(client_user, "quiet_start")
    response = client.post(reverse("sessions_log:reminder_unsubscribe", args=[token]))
    assert response.status_code == 400
    assert not ReminderPreference.objects.exists()


@pytest.mark.django_db
def test_the_one_click_header_of_a_sent_email_still_turns_that_kind_off(
    client, mailbox, coach, client_user
):
    session = schedule_hour(coach, client_user, timezone.now() + timedelta(days=3))
    sweep_and_send(
        Reminder.objects.get(session=session, recipient=client_user, kind=Kind.FIRST_REMINDER)
    )
    raw = mailbox[0].as_bytes()
    header = email.message_from_bytes(raw, policy=email.policy.strict)["List-Unsubscribe"]
    url = header.strip("<>").removeprefix("http://testserver")
    assert url in text_body(mailbox[0])  # the same link in the header and the text
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert ReminderPreference.objects.get(user=client_user).first_reminder is False


@pytest.mark.django_db
def test_an_unsubscribe_link_shows_neither_the_person_nor_the_kind(client_user):
    token = unsubscribe_token(client_user, Kind.SECOND_REMINDER)
    first_part = token.split(":")[0]  # all of it, unless it is signed plain text
    readable = base64.urlsafe_b64decode(first_part + "=" * (-len(first_part) % 4))
    assert b"second_reminder" not in readable and b"[%d," % client_user.pk not in readable
    assert "second_reminder" not in token
    # Each email carries a link of its own: two cannot be matched to one person.
    assert unsubscribe_token(client_user, Kind.SECOND_REMINDER) != token


@pytest.mark.django_db
def test_an_unsubscribe_link_expires_after_60_days_and_then_changes_nothing(client, client_user):
    url = reverse(
        "sessions_log:reminder_unsubscribe",
        args=[unsubscribe_token(client_user, Kind.FIRST_REMINDER)],
    )
    with time_machine.travel(timezone.now() + timedelta(days=59)):
        assert "Stop these emails</button>" in client.get(url).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        page = client.get(url).content.decode()
        # The page says why: the link is genuine but too old.
        assert "This link has expired" in page and "Stop these emails</button>" not in page
        response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert not ReminderPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="reminders.unsubscribe").exists()


@pytest.mark.django_db
def test_an_unsubscribe_link_that_cannot_work_says_so_before_any_button(client, client_user):
    forged = unsubscribe_token(client_user, Kind.FIRST_REMINDER)[:-4] + "AAAA"
    for token in ("nonsense", forged):
        page = client.get(reverse("sessions_log:reminder_unsubscribe", args=[token]))
        assert "not valid" in page.content.decode()
        assert "Stop these emails</button>" not in page.content.decode()
    assert not ReminderPreference.objects.exists()


# ---------------------------------------------------------------- pages


@pytest.mark.django_db
def test_a_client_chooses_their_emails_and_quiet_hours(client, client_user):
    sign_in(client, client_user)
    page = client.get(reverse("sessions_log:reminder_settings")).content.decode()
    assert "A reminder 24 hours before" in page and "A short check-in" in page
    response = client.post(
        reverse("sessions_log:reminder_settings"),
        {
            "first_reminder": "on",
            "cancelled": "on",
            "quiet_hours": "on",
            "quiet_start": "22:30",
            "quiet_end": "07:00",
        },
        follow=True,
    )
    assert "Your email choices are saved." in response.content.decode()
    pref = ReminderPreference.objects.get(user=client_user)
    assert (pref.first_reminder, pref.second_reminder, pref.cancelled) == (True, False, True)
    assert (pref.quiet_start, pref.quiet_end) == (time(22, 30), time(7, 0))


@pytest.mark.django_db
def test_a_coach_is_not_offered_check_in_requests(client, coach):
    sign_in(client, coach)
    page = client.get(reverse("sessions_log:reminder_settings")).content.decode()
    assert "A reminder 24 hours before" in page and "check-in" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quiet_hours": "on", "quiet_start": "22:00"}, "Give a time, or untick quiet hours."),
        ({"quiet_hours": "on", "quiet_start": "22:00", "quiet_end": "22:00"}, "different time"),
        ({"quiet_hours": "on", "quiet_start": "25:00", "quiet_end": "07:00"}, "Enter a valid"),
    ],
)
def test_bad_quiet_hours_are_explained_and_nothing_is_saved(client, client_user, data, message):
    sign_in(client, client_user)
    response = client.post(reverse("sessions_log:reminder_settings"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReminderPreference.objects.exists()


@pytest.mark.django_db
def test_admins_see_failed_and_expired_deliveries_with_the_error(
    client, admin_user, coach, client_user, steady_session
):
    session = schedule_hour(coach, client_user, timezone.now() + timedelta(days=3))
    rows = list(Reminder.objects.filter(session=session))
    Reminder.objects.filter(pk=rows[0].pk).update(
        status=Status.FAILED, last_error="SMTPRecipientsRefused: 550 No such user"
    )
    Reminder.objects.filter(pk=rows[1].pk).update(status=Status.EXPIRED)
    sign_in(client, admin_user)
    url = reverse("sessions_log:reminder_problems")
    page = client.get(url).content.decode()
    assert "550 No such user" in page and "Not sent before the appointment started." in page
    assert client_user.email in page

    # The page's query count does not grow with the number of rows.
    few, _ = count_queries(client.get, url)
    for index in range(30):
        other = make_user(f"c{index}@example.org", "client")
        Reminder.objects.create(
            session=session,
            recipient=other,
            kind=Kind.FIRST_REMINDER,
            status=Status.FAILED,
            due_at=timezone.now(),
            next_attempt_at=timezone.now(),
            deadline=session.starts_at,
        )
    client.get(url)  # the login's first requests write its session; then none (steady_session)
    many, _ = count_queries(client.get, url)
    assert few == many


@pytest.mark.django_db
def test_healthz_turns_unhealthy_when_a_reminder_is_more_than_five_minutes_late(
    client, coach, client_user, settings
):
    settings.HEALTHZ_TOKEN = "healthz-token-for-tests"
    details = {"X-Healthz-Token": settings.HEALTHZ_TOKEN}
    session = schedule_hour(coach, client_user, timezone.now() + timedelta(days=3))
    reminder = Reminder.objects.filter(session=session).first()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - timedelta(minutes=4))
    assert client.get("/healthz").status_code == 200
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - timedelta(minutes=6))
    assert client.get("/healthz").json() == {"status": "unavailable"}
    response = client.get("/healthz", headers=details)
    assert response.status_code == 503
    body = response.json()
    assert body["reminders"] == "late" and body["oldest_due_reminder_seconds_late"] >= 360
