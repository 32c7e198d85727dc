"""views/calendar.py: calendar files carry no free-text place (issue 29,
point 5: "feeds carry free-text places"), and a calendar app's polling of a
feed is one line a day of the client's "Who viewed my record".

A calendar app syncs the feed (and an imported .ics) to a third-party cloud
the organisation has no agreement with: the minimum necessary
(HIPAA 45 CFR 164.502(b), 164.514(d)) is the time and how to meet, never the
place's words, which may name a clinic or a shelter."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from sessions_log.services.calendar import calendar_feed_renew
from sessions_log.services.sessions import session_schedule
from tests.helpers import sign_in

PLACE = "Hope Street Shelter, room 4"


@pytest.fixture
def in_person(coach, client_user):
    return session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality="in_person",
        location=PLACE,
    )


@pytest.mark.django_db
def test_the_feed_and_the_ics_give_the_modality_never_the_place(
    client, coach, client_user, in_person
):
    for owner in (coach, client_user):
        token = calendar_feed_renew(actor=owner)
        feed = client.get(reverse("sessions_log:feed", args=[token])).content.decode()
        sign_in(client, owner)
        ics = client.get(reverse("sessions_log:session_ics", args=[in_person.pk]))
        for text in (feed, ics.content.decode()):
            assert "Shelter" not in text and "Hope Street" not in text
            assert "LOCATION:In person (the place is in the app)" in text


@pytest.mark.django_db
def test_a_feed_polled_all_day_is_one_line_with_how_many_times(client, coach, client_user):
    """The audit trail keeps every reading; the client's page groups the
    same viewer's same kind of read on one day (45 CFR 164.312(b))."""
    token = calendar_feed_renew(actor=coach)
    with time_machine.travel(timezone.now().replace(hour=1, minute=0), tick=False) as clock:
        session_schedule(
            actor=coach,
            client=client_user,
            starts_at=timezone.now() + timedelta(days=2),
            duration=timedelta(hours=1),
            modality="phone",
        )
        for _poll in range(96):
            assert client.get(reverse("sessions_log:feed", args=[token])).status_code == 200
            clock.shift(timedelta(minutes=10))
    reads = AuditEvent.objects.filter(client=client_user, action="calendar_feed.read")
    assert reads.count() == 96
    sign_in(client, client_user)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert page.count("The calendar feed of Casey Rivera (coach) was read") == 1
    assert "(96 times that day, first at" in page
