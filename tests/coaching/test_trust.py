"""The trust loop closes after every session: a logged contact asks too,
one reminder, private requests reach a supervisor at once, the client sees
they were heard, only a supervisor resolves a flag, and an ended
relationship asks nothing more."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from coaching.models import CheckInRequest, SupervisorRequest, TrustFlag
from coaching.services.caseloads import client_reassign
from coaching.services.trust import checkin_submit, supervisor_request_notify
from sessions_log.models import Reminder
from sessions_log.services.outbox import reminder_deliver, reminders_sweep
from tests.conftest import make_user, wait_until
from tests.helpers import first_link, past_contact, sign_in, text_body

GOOD = {"heard": 9, "safe": 9, "focus": 8, "trust": 9, "helping": 9}
LOW = {"heard": 6, "safe": 5, "focus": 7, "trust": 6, "helping": 6}
SECRET = "TRUST-LOOP-CANARY-2291"


def _deliver_due(mailbox) -> list:
    """Sweep the due reminders and send them in-process; the emails sent."""
    before = len(mailbox)
    reminders_sweep()
    for reminder in Reminder.objects.filter(status="pending", lease_token__isnull=False):
        reminder_deliver(reminder_id=reminder.pk, lease_token=str(reminder.lease_token))
    return mailbox[before:]


# ------------------------------------------------- a logged contact asks


@pytest.fixture
def noon(client_user):
    """The next midday in the client's time zone: outside their quiet hours,
    and later than the fixtures' rows (a relationship that started this
    afternoon cannot end at today's noon)."""
    local = timezone.localtime(timezone=ZoneInfo(client_user.time_zone))
    midday = local.replace(hour=12, minute=0, second=0, microsecond=0)
    if midday <= local:
        midday += timedelta(days=1)
    with time_machine.travel(midday, tick=False):
        yield timezone.now()


@pytest.mark.django_db
def test_a_logged_contact_asks_its_client_for_a_check_in_by_email(
    coach, client_user, mailbox, noon
):
    session = past_contact(coach, client_user, timedelta(hours=3))
    request = CheckInRequest.objects.get(session=session)
    assert request.is_open and request.client == client_user
    sent = _deliver_due(mailbox)
    assert [message["To"] for message in sent] == [client_user.email]
    assert "/checkins/link/" in text_body(sent[0])


@pytest.mark.django_db
def test_a_contact_logged_more_than_seven_days_after_it_happened_asks_nothing(
    coach, client_user, mailbox
):
    session = past_contact(coach, client_user, timedelta(days=8))
    assert not CheckInRequest.objects.filter(session=session).exists()
    assert not Reminder.objects.filter(session=session).exists()
    assert _deliver_due(mailbox) == []


@pytest.mark.django_db
def test_a_contact_logged_six_days_later_still_asks(coach, client_user):
    session = past_contact(coach, client_user, timedelta(days=6))
    assert CheckInRequest.objects.filter(session=session).exists()


# ------------------------------------------------------ one gentle reminder


@pytest.mark.django_db
def test_an_unanswered_check_in_gets_one_reminder_three_days_later(
    coach, client_user, mailbox, noon
):
    start = noon
    with time_machine.travel(start, tick=False):
        session = past_contact(coach, client_user, timedelta(hours=2))
        assert len(_deliver_due(mailbox)) == 1
    with time_machine.travel(start + timedelta(days=2, hours=23), tick=False):
        assert _deliver_due(mailbox) == []
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        sent = _deliver_due(mailbox)
        assert [message["To"] for message in sent] == [client_user.email]
        assert "still open" in text_body(sent[0])
        assert "/checkins/link/" in text_body(sent[0])
    with time_machine.travel(start + timedelta(days=6), tick=False):
        assert _deliver_due(mailbox) == []  # one reminder, never more
    assert Reminder.objects.filter(session=session, kind="checkin_reminder").count() == 1


@pytest.mark.django_db
def test_an_answered_check_in_is_not_reminded(coach, client_user, mailbox, noon):
    start = noon
    with time_machine.travel(start, tick=False):
        session = past_contact(coach, client_user, timedelta(hours=2))
        _deliver_due(mailbox)
        checkin_submit(client=client_user, answers=GOOD, request=session.checkin_request)
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        assert _deliver_due(mailbox) == []
    reminder = Reminder.objects.get(session=session, kind="checkin_reminder")
    assert reminder.status == "cancelled"


@pytest.mark.django_db
def test_turning_off_check_in_emails_turns_off_the_reminder_too(
    client, coach, client_user, mailbox, noon
):
    start = noon
    with time_machine.travel(start, tick=False):
        past_contact(coach, client_user, timedelta(hours=2))
        first = _deliver_due(mailbox)[0]
        client.post(
            first_link(first, r"http://testserver/emails/unsubscribe/\S+").replace(
                "http://testserver", ""
            )
        )
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        assert _deliver_due(mailbox) == []


# ------------------------------------ a private request reaches a supervisor


@pytest.mark.django_db
def test_each_supervisor_of_the_team_is_told_at_once_without_name_or_content(
    coach, client_user, supervisor, team, other_team, mailbox
):
    second = make_user("kim@example.org", Role.SUPERVISOR, team=team)
    gone = make_user("lee@example.org", Role.SUPERVISOR, team=team)
    gone.is_active = False
    gone.save()
    make_user("pat@example.org", Role.SUPERVISOR, team=other_team)
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True, message=SECRET)
    private = SupervisorRequest.objects.get()
    told = supervisor_request_notify(request_id=private.pk)
    assert sorted(told) == sorted([supervisor.email, second.email])
    assert sorted(message["To"] for message in mailbox) == sorted(told)
    for message in mailbox:
        whole = message.as_string()
        assert message["Subject"] == "Someone asked to talk with a supervisor"
        assert SECRET not in whole and client_user.display_name not in whole
        assert coach.display_name not in whole
        assert "http://testserver/supervision/" in text_body(message)


@pytest.mark.django_db
def test_without_an_active_supervisor_admins_are_told_the_team_lacks_one_and_the_client_waits(
    client, coach, client_user, admin_user, mailbox
):
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True, message=SECRET)
    told = supervisor_request_notify(request_id=SupervisorRequest.objects.get().pk)
    assert told == [admin_user.email]
    message = mailbox[0]
    assert message["Subject"] == "A team has no active supervisor"
    assert SECRET not in message.as_string() and client_user.display_name not in message.as_string()
    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_checkins")).content.decode()
    assert "It will be read as soon as a supervisor joins your coach&#x27;s team." in page


@pytest.mark.django_db(transaction=True)
def test_a_private_request_is_emailed_by_a_real_worker_after_commit(
    coach, client_user, supervisor, mailbox, celery_worker_process
):
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True, message=SECRET)
    assert wait_until(lambda: len(mailbox) == 1, timeout=60)
    assert mailbox[0]["To"] == supervisor.email
    assert SECRET not in mailbox[0].as_string()


@pytest.mark.django_db
def test_private_requests_lead_the_team_dashboard(client, coach, client_user, supervisor):
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True)
    sign_in(client, supervisor)
    page = client.get(reverse("coaching:team_dashboard")).content.decode()
    banner = page.index("1 private request to talk with a supervisor waiting")
    assert banner < page.index("<table")


# ------------------------------------------- the client learns they were heard


@pytest.mark.django_db
def test_the_client_sees_their_request_move_from_received_to_done(
    client, coach, client_user, supervisor
):
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True, message=SECRET)
    private = SupervisorRequest.objects.get()
    sign_in(client, client_user)

    def page():
        return client.get(reverse("coaching:my_checkins")).content.decode()

    assert "Received. A supervisor of your coach&#x27;s team will read it." in page()
    sign_in(client, supervisor)
    client.post(reverse("coaching:supervisor_request_handle", args=[private.pk]))
    sign_in(client, client_user)
    assert "A supervisor will contact you." in page()
    sign_in(client, supervisor)
    client.post(reverse("coaching:supervisor_request_done", args=[private.pk]))
    sign_in(client, client_user)
    assert "Done: a supervisor has talked with you about it." in page()


@pytest.mark.django_db
def test_the_client_sees_a_low_check_in_was_followed_up_without_what_staff_wrote(
    client, coach, client_user, supervisor
):
    checkin_submit(client=client_user, answers=LOW)
    sign_in(client, client_user)
    assert (
        "Your coaching team has been told."
        in client.get(reverse("coaching:my_checkins")).content.decode()
    )
    flag = TrustFlag.objects.filter(client=client_user).first()
    sign_in(client, supervisor)
    client.post(reverse("coaching:flag_resolve", args=[flag.pk]), {"note": SECRET})
    for other in TrustFlag.objects.filter(client=client_user).exclude(pk=flag.pk):
        client.post(reverse("coaching:flag_resolve", args=[other.pk]), {"note": SECRET})
    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_checkins")).content.decode()
    assert "Followed up." in page
    assert SECRET not in page and supervisor.display_name not in page


# --------------------------------------------------------- flags and coaches


@pytest.mark.django_db
def test_a_coach_acknowledges_a_flag_about_themselves_but_sees_no_resolve_form(
    client, coach, client_user
):
    checkin_submit(client=client_user, answers=LOW)
    sign_in(client, coach)
    page = client.get(reverse("coaching:client_timeline", args=[client_user.pk])).content.decode()
    assert "Acknowledge" in page and "What was done about it" not in page


@pytest.mark.django_db
def test_resolved_flags_stay_in_view_for_thirty_days(client, coach, client_user, supervisor):
    checkin_submit(client=client_user, answers=LOW)
    sign_in(client, supervisor)
    for flag in TrustFlag.objects.all():
        client.post(reverse("coaching:flag_resolve", args=[flag.pk]), {"note": "We talked"})
    inbox = client.get(reverse("coaching:supervision")).content.decode()
    assert inbox.count("flag flag-resolved") == TrustFlag.objects.count() > 0
    dashboard = client.get(reverse("coaching:team_dashboard"))
    row = dashboard.context["rows"][0]
    assert (row["open_flags"], row["resolved_flags_30"]) == (0, TrustFlag.objects.count())
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        sign_in(client, supervisor)
        later = client.get(reverse("coaching:supervision")).content.decode()
        assert "flag flag-resolved" not in later
        assert (
            client.get(reverse("coaching:team_dashboard")).context["rows"][0]["resolved_flags_30"]
            == 0
        )


# ------------------------------------------- requests outlive no relationship


@pytest.mark.django_db
def test_an_ended_relationship_closes_its_requests_and_a_late_answer_records_nothing(
    client, coach, client_user, supervisor, team, mailbox, noon
):
    new_coach = make_user("morgan@example.org", Role.COACH, team=team)
    session = past_contact(coach, client_user, timedelta(hours=2))
    request = CheckInRequest.objects.get(session=session)
    link = first_link(_deliver_due(mailbox)[0], r"http://testserver/checkins/link/\S+")
    client_reassign(
        actor=supervisor,
        client=client_user,
        new_coach=new_coach,
        reason="A better fit",
        cancel_upcoming=False,
    )
    request.refresh_from_db()
    assert not request.is_open
    page = client.post(
        link.replace("http://testserver", ""), {name: str(v) for name, v in GOOD.items()}
    )
    assert page.status_code == 410
    assert "Your coaching has changed since this appointment" in page.content.decode()
    assert not request.assignment.checkins.exists()
    sign_in(client, client_user)
    assert (
        f"?session={session.pk}" not in client.get(reverse("coaching:client_home")).content.decode()
    )
    assert (
        CaseloadAssignment.objects.get(client=client_user, ended_at__isnull=True).coach == new_coach
    )
