import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sessions_log.forms import local_to_utc
from sessions_log.models import Session
from sessions_log.services.sessions import session_schedule
from tests.helpers import PAGE_STATEMENTS, count_queries, past_contact, sign_in

PAGES = {"sessions_log:agenda": "coach", "sessions_log:session_new": "coach"}


def _form(client_user, day, start="10:00", **overrides):
    return {
        "client": client_user.pk,
        "date": day.isoformat(),
        "time": start,
        "duration": 60,
        "modality": "phone",
        "location": "",
        "video_url": "",
        "agenda": "",
        **overrides,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_ladder(client, page, coach, client_user, supervisor):
    assert client.get(reverse(page))["Location"].startswith("/accounts/login/")
    for user in (client_user, supervisor):
        sign_in(client, user)
        assert client.get(reverse(page)).status_code == 403
    sign_in(client, coach)
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.django_db
def test_a_coach_schedules_in_their_own_time_zone(client, coach, client_user):
    coach.time_zone = "America/New_York"
    coach.save()
    sign_in(client, coach)
    day = timezone.now().date() + timedelta(days=3)
    response = client.post(reverse("sessions_log:session_new"), _form(client_user, day))
    assert response.status_code == 302
    session = Session.objects.get()
    expected = datetime.combine(day, time(10)).replace(tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert session.starts_at == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"duration": 0}, "at least 5 minutes"),
        ({"duration": 1440}, "at most 8 hours"),
        ({"modality": "video", "video_url": "http://meet.example.org/x"}, "https://"),
        ({"date": "2020-01-01"}, "future"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(
    client, coach, client_user, overrides, message
):
    sign_in(client, coach)
    day = timezone.now().date() + timedelta(days=3)
    response = client.post(
        reverse("sessions_log:session_new"), _form(client_user, day, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_another_coachs_client_id_posted_by_hand_is_refused(client, coach, other_client):
    sign_in(client, coach)
    day = timezone.now().date() + timedelta(days=3)
    response = client.post(reverse("sessions_log:session_new"), _form(other_client, day))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_an_overlap_is_refused_on_the_form(client, coach, client_user):
    sign_in(client, coach)
    day = timezone.now().date() + timedelta(days=3)
    client.post(reverse("sessions_log:session_new"), _form(client_user, day))
    response = client.post(
        reverse("sessions_log:session_new"), _form(client_user, day, start="10:30")
    )
    assert response.status_code == 400
    assert "already have a session" in response.content.decode()
    assert Session.objects.count() == 1


def test_a_time_skipped_by_the_clock_change_is_refused():
    from django import forms

    with pytest.raises(forms.ValidationError, match="clocks change"):
        local_to_utc(date(2026, 3, 29), time(2, 30), "Europe/Berlin")


@pytest.mark.django_db
def test_after_a_dst_change_a_9am_session_shows_at_9am_to_client_and_coach(
    client, coach, client_user
):
    # Europe/Berlin leaves summer time on Sun 25 Oct 2026; New York on Sun 1 Nov.
    coach.time_zone = "Europe/Berlin"
    coach.save()
    client_user.time_zone = "America/New_York"
    client_user.save()
    starts = datetime(2026, 10, 26, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC)):
        session_schedule(
            actor=coach,
            client=client_user,
            starts_at=starts,
            duration=timedelta(hours=1),
            modality="phone",
        )
    with time_machine.travel(datetime(2026, 10, 26, 6, tzinfo=UTC)):
        sign_in(client, coach)
        assert "Mon 26 Oct, 09:00" in client.get(reverse("sessions_log:agenda")).content.decode()
        sign_in(client, client_user)
        # 08:00 UTC is 04:00 in New York, still on summer time (UTC-4) that day.
        page = client.get(reverse("coaching:client_home")).content.decode()
        assert "Mon 26 Oct, 04:00" in page


@pytest.mark.django_db
def test_the_client_sees_their_sessions_but_not_the_private_agenda(client, coach, client_user):

    session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=1),
        duration=timedelta(hours=1),
        modality="video",
        video_url="https://meet.example.org/r",
        agenda="PRIVATE-AGENDA-CANARY",
    )
    sign_in(client, client_user)
    page = client.get(reverse("coaching:client_home")).content.decode()
    assert "https://meet.example.org/r" in page and "With Casey" in page
    assert "PRIVATE-AGENDA-CANARY" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["sessions_log:agenda", "coaching:client_home"])
def test_session_lists_use_a_fixed_number_of_queries(client, coach, client_user, page):

    user = coach if page == "sessions_log:agenda" else client_user
    sign_in(client, user)
    base = timezone.now() + timedelta(minutes=10)

    def add(count, offset):
        for number in range(count):
            session_schedule(
                actor=coach,
                client=client_user,
                starts_at=base + timedelta(minutes=10 * (offset + number)),
                duration=timedelta(minutes=5),
                modality="phone",
            )

    add(1, 0)
    client.get(reverse(page))
    small, _ = count_queries(client.get, reverse(page))
    add(49, 1)
    large, response = count_queries(client.get, reverse(page))
    assert response.content.decode().count("<time ") >= 2
    assert small == large <= PAGE_STATEMENTS


@pytest.mark.django_db
def test_logging_a_past_contact_opens_its_note(client, coach, client_user):
    sign_in(client, coach)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        reverse("sessions_log:contact_log"),
        {
            "client": client_user.pk,
            "date": yesterday.isoformat(),
            "time": "15:00",
            "duration": 20,
            "modality": "phone",
        },
    )
    session = Session.objects.get()
    assert response["Location"] == reverse("sessions_log:session_detail", args=[session.pk])
    assert session.status == "completed" and hasattr(session, "note")


@pytest.mark.django_db
def test_a_logged_contact_in_the_future_is_refused(client, coach, client_user):
    sign_in(client, coach)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("sessions_log:contact_log"),
        {
            "client": client_user.pk,
            "date": tomorrow.isoformat(),
            "time": "15:00",
            "duration": 20,
            "modality": "phone",
        },
    )
    assert response.status_code == 400
    assert "must already be over" in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_the_client_timeline_uses_a_fixed_number_of_queries(client, coach, client_user):
    def add(count, offset):
        for number in range(count):
            past_contact(coach, client_user, timedelta(hours=2 + offset + number))

    url = reverse("coaching:client_timeline", args=[client_user.pk])
    sign_in(client, coach)
    add(1, 0)
    client.get(url)
    small, _ = count_queries(client.get, url)
    add(49, 1)
    large, response = count_queries(client.get, url)
    page = response.content.decode()
    assert page.count("Missing") == 25  # the newest 25; the rest a page away
    assert "Page 1" in page
    # The session, the policy's relationships, the audit row, the statement
    # (tests/coaching/test_timeline_sql.py); it was 7.
    assert small == large == 4
    assert client.get(url, {"page": 2}).content.decode().count("Missing") == 25


@pytest.mark.django_db
def test_an_admin_edits_the_list_of_services(client, admin_user):
    from sessions_log.models import ServiceType

    sign_in(client, admin_user)
    response = client.post(
        "/admin/sessions_log/servicetype/add/", {"name": "Resource navigation", "active": "on"}
    )
    assert response.status_code == 302
    assert ServiceType.objects.filter(name="Resource navigation", active=True).exists()


@pytest.mark.django_db
def test_the_coachs_home_lists_overdue_and_draft_notes(client, coach, client_user, settings):
    settings.NOTE_DUE_HOURS = 72
    past_contact(coach, client_user, timedelta(days=5))
    sign_in(client, coach)
    page = client.get(reverse("coaching:coach_home")).content.decode()
    assert "Notes to finish" in page and "overdue" in page


@pytest.mark.django_db
def test_the_client_sees_past_sessions_ten_at_a_time_newest_first(client, coach, client_user):
    for days_ago in range(1, 13):
        past_contact(coach, client_user, timedelta(days=days_ago))
    sign_in(client, client_user)
    url = reverse("coaching:client_home")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    # Sessions are list items (the check-in these contacts ask for is a card of its own).
    assert first.count('<li class="card"') == 10 and second.count('<li class="card"') == 2
    assert "?page=2" in first and "?page=1" in second
    zone = zoneinfo.ZoneInfo(client_user.time_zone)
    newest = timezone.localtime(timezone.now() - timedelta(days=1), zone)
    assert newest.strftime("%a %-d %b") in first
