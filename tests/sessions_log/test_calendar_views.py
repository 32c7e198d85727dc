import unicodedata
from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from sessions_log.models import CalendarFeed
from sessions_log.services.sessions import session_cancel, session_reschedule, session_schedule
from tests.helpers import sign_in

# The only content lines an .ics of ours holds.
PROPERTIES = {"BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "UID", "SEQUENCE"}
PROPERTIES |= {"DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "URL", "STATUS"}

# Words that must never reach a calendar someone else might glance at.
FORBIDDEN = ["recovery", "substance", "sober", "addiction", "coaching", "Robin", "Park"]


@pytest.fixture
def session(coach, client_user):
    return session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality="in_person",
        location="Library",
        agenda="Talk about relapse triggers",
    )


def _event(body: bytes):
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


@pytest.mark.django_db
def test_a_session_downloads_as_a_privacy_safe_ics(client, coach, session):
    sign_in(client, coach)
    response = client.get(reverse("sessions_log:session_ics", args=[session.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    event = _event(response.content)
    assert str(event["SUMMARY"]) == "Appointment (R.P.)"
    assert event["DTSTART"].dt == session.starts_at
    text = response.content.decode()
    for word in FORBIDDEN + ["relapse"]:
        assert word.lower() not in text.lower(), word


@pytest.mark.django_db
def test_changes_keep_the_uid_and_raise_the_sequence(client, coach, session):
    sign_in(client, coach)
    url = reverse("sessions_log:session_ics", args=[session.pk])
    before = _event(client.get(url).content)
    session_reschedule(
        actor=coach,
        session=session,
        starts_at=session.starts_at + timedelta(hours=2),
        duration=timedelta(hours=1),
    )
    after = _event(client.get(url).content)
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    session_cancel(actor=coach, session=session, reason="Moved online")
    cancelled = _event(client.get(url).content)
    assert (cancelled["UID"], str(cancelled["STATUS"])) == (before["UID"], "CANCELLED")


@pytest.mark.django_db
def test_the_client_sees_the_coachs_first_name_only(client, client_user, session):
    sign_in(client, client_user)
    event = _event(client.get(reverse("sessions_log:session_ics", args=[session.pk])).content)
    assert str(event["SUMMARY"]) == "Appointment with Casey"


@pytest.mark.django_db
def test_other_peoples_sessions_are_not_found(client, other_coach, other_client, session):
    for user in (other_coach, other_client):
        sign_in(client, user)
        assert client.get(reverse("sessions_log:session_ics", args=[session.pk])).status_code == 404


@pytest.mark.django_db
def test_the_private_feed_works_until_it_is_renewed_or_revoked(client, client_user, session):
    sign_in(client, client_user)
    page = client.post(reverse("sessions_log:feed_settings"), {"action": "renew"})
    first_url = page.context["feed_url"].replace("http://testserver", "")
    client.logout()
    assert _event(client.get(first_url).content)["SUMMARY"] == "Appointment with Casey"

    sign_in(client, client_user)
    page = client.post(reverse("sessions_log:feed_settings"), {"action": "renew"})
    second_url = page.context["feed_url"].replace("http://testserver", "")
    client.logout()
    assert client.get(first_url).status_code == 404
    assert client.get(second_url).status_code == 200
    assert CalendarFeed.objects.count() == 1

    sign_in(client, client_user)
    client.post(reverse("sessions_log:feed_settings"), {"action": "revoke"})
    client.logout()
    assert client.get(second_url).status_code == 404


@pytest.mark.django_db
def test_a_made_up_feed_token_is_not_found(client):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404


# Each way text could end a content line early or hide in one: CRLF, a lone
# CR, a lone LF, the other line breaks, and other control characters.
HOSTILE = (
    "Library\r\nATTENDEE:mailto:a@example.org\rX-CR:1\nX-LF:1\u2028X-LS:1\x0bX-VT:1"
    "\x1b[2J\x7f\x85;,\\"
)


@pytest.mark.django_db
def test_hostile_names_and_locations_cannot_break_out_of_their_line(client, coach, client_user):
    coach.display_name = "Casey\rX-NAME:1 Rivera"
    coach.save()
    session = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality="in_person",
        location=HOSTILE,
    )
    for viewer in (coach, client_user):
        sign_in(client, viewer)
        text = client.get(reverse("sessions_log:session_ics", args=[session.pk])).content.decode()
        lines = text.replace("\r\n ", "").split("\r\n")  # unfolded content lines
        assert lines[-1] == ""
        for line in lines[:-1]:
            assert line.split(":", 1)[0].split(";", 1)[0] in PROPERTIES, repr(line)
            assert not [char for char in line if unicodedata.category(char) == "Cc"], repr(line)
        event = _event(text.encode())
        # The place is never in a calendar file (test_calendar_views_places.py).
        assert str(event["LOCATION"]) == "In person (the place is in the app)"
    assert str(event["SUMMARY"]).startswith("Appointment with Casey\nX-NAME:1")
