"""The audit trail: reads are recorded, admins see everything, supervisors
their team, and each client sees who looked at their record."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode

from accounts.audit import audit_record
from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.services.trust import checkin_submit
from sessions_log.services.calendar import calendar_feed_renew
from sessions_log.services.sessions import session_schedule
from tests.conftest import PASSWORD, make_user
from tests.helpers import count_queries, past_contact, sign_in, signed_contact
from tests.security.conftest import LOW


@pytest.mark.django_db
def test_opening_a_clients_record_is_audited(client, coach, supervisor, client_user):
    for viewer, url in (
        (coach, reverse("coaching:client_timeline", args=[client_user.pk])),
        (supervisor, reverse("coaching:client_history", args=[client_user.pk])),
    ):
        sign_in(client, viewer)
        assert client.get(url).status_code == 200
        event = AuditEvent.objects.filter(action="client.view", actor=viewer).get()
        assert event.client == client_user and event.request_id and event.ip == "127.0.0.1"


@pytest.mark.django_db
def test_a_client_sees_which_staff_looked_at_their_record(
    client, coach, supervisor, client_user, other_client, other_coach
):
    sign_in(client, coach)
    client.get(reverse("coaching:client_timeline", args=[client_user.pk]))
    sign_in(client, other_coach)
    client.get(reverse("coaching:client_timeline", args=[other_client.pk]))
    sign_in(client, client_user)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "Casey Rivera (coach) looked at your record" in page
    assert "Jordan Lee" not in page  # someone else's record
    assert "auth.login" not in page  # their own sign-ins are not staff views


@pytest.mark.django_db
def test_admins_see_every_event_and_supervisors_only_their_team(
    client, admin_user, supervisor, coach, client_user, other_coach, other_client
):
    audit_record(actor=coach, action="client.view", obj=client_user)
    audit_record(actor=other_coach, action="client.view", obj=other_client)
    url = reverse("accounts:audit_log")
    sign_in(client, admin_user)
    page = client.get(url).content.decode()
    assert "Robin Park" in page and "Riley Chen" in page
    sign_in(client, supervisor)
    page = client.get(url).content.decode()
    assert "Robin Park" in page and "Riley Chen" not in page and "Jordan Lee" not in page


@pytest.mark.django_db
def test_the_audit_trail_filters_by_person_client_and_date(
    client, admin_user, coach, client_user, other_client, other_coach
):
    audit_record(actor=coach, action="client.view", obj=client_user)
    audit_record(actor=other_coach, action="client.view", obj=other_client)
    sign_in(client, admin_user)
    url = reverse("accounts:audit_log")
    page = client.get(url, {"person": coach.email}).content.decode()
    assert "Robin Park" in page and "Riley Chen" not in page
    page = client.get(url, {"client": other_client.email}).content.decode()
    assert "Riley Chen" in page and "Robin Park" not in page
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = client.get(url, {"start": tomorrow}).content.decode()
    assert "No events." in page
    bad = client.get(url, {"start": tomorrow, "end": timezone.localdate()})
    assert bad.status_code == 400 and "must not be before" in bad.content.decode()


@pytest.mark.django_db
def test_the_audit_trail_uses_a_fixed_number_of_queries(client, admin_user, coach, steady_session):
    sign_in(client, admin_user)
    url = reverse("accounts:audit_log")
    client.get(url)
    few, _ = count_queries(client.get, url)
    for index in range(60):
        person = make_user(f"p{index}@example.org", "client")
        audit_record(actor=coach, action="client.view", obj=person)
    client.get(url)  # the login's first requests write its session; then none (steady_session)
    many, _ = count_queries(client.get, url)
    assert few == many


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client_user", "coach"])
def test_clients_and_coaches_cannot_read_the_audit_trail(client, request, who):
    sign_in(client, request.getfixturevalue(who))
    assert client.get(reverse("accounts:audit_log")).status_code == 403


# ------------------------------------------------- every client shown, once


def _audit_inserts(method, url, **headers) -> tuple[int, object]:
    """How many INSERTs into the audit table a request made, and its response."""
    with CaptureQueriesContext(connection) as context:
        response = method(url, **headers)
    inserts = [
        query
        for query in context.captured_queries
        if query["sql"].startswith('INSERT INTO "accounts_auditevent"')
    ]
    return len(inserts), response


def _events_of(response) -> dict[str, set[int]]:
    """The audit events a response's request wrote: what each showed ->
    client ids (a page's one event lists its clients, each with what it
    showed of them: AuditEvent.clients_shown; an event about nobody, None)."""
    found: dict[str, set[int]] = {}
    for event in AuditEvent.objects.filter(request_id=response["X-Request-ID"]):
        for client_id, kind in event.clients_shown() or [(None, event.action)]:
            found.setdefault(kind, set()).add(client_id)
    return found


@pytest.fixture
def early_morning():
    """01:00 UTC: the agenda shows today from midnight, so a contact three
    hours ago is yesterday's, on the notes to finish and not on the agenda,
    whenever the tests run."""
    with time_machine.travel(datetime(2026, 6, 3, 1, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def north(early_morning, coach, client_user, supervisor):
    """Casey's two clients: Robin (a session in two days, a signed note
    waiting for co-sign, a low check-in that raised a flag) and Sky (a
    contact whose note is still to write)."""
    sky = make_user("sky@example.org", Role.CLIENT, name="Sky Moss")
    CaseloadAssignment.objects.create(coach=coach, client=sky)
    upcoming = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(minutes=30),
        modality="phone",
    )
    signed_contact(coach, client_user, hours_ago=5)
    past_contact(coach, sky, timedelta(hours=3))
    checkin_submit(client=client_user, answers=LOW)
    return {"robin": client_user, "sky": sky, "upcoming": upcoming}


LIST_PAGES = {
    "coach home": ("coach", "coaching:coach_home", {"caseload.list": {"robin", "sky"}}),
    "agenda": (
        "coach",
        "sessions_log:agenda",
        {"agenda.list": {"robin"}, "notes_to_finish.list": {"sky"}},
    ),
    "notes to finish": ("coach", "sessions_log:notes_to_finish", {"notes_to_finish.list": {"sky"}}),
    "co-sign queue": ("supervisor", "sessions_log:review_queue", {"review_queue.list": {"robin"}}),
    "coach detail": (
        "supervisor",
        "coaching:coach_detail",
        {"coach_caseload.list": {"robin", "sky"}},
    ),
    "flags inbox": ("supervisor", "coaching:supervision", {"trust_flags.list": {"robin"}}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", LIST_PAGES)
def test_a_list_page_records_each_client_it_shows_once_in_one_insert(
    client, north, coach, supervisor, page
):
    who, name, expected = LIST_PAGES[page]
    sign_in(client, {"coach": coach, "supervisor": supervisor}[who])
    url = reverse(name, args=[coach.pk]) if name == "coaching:coach_detail" else reverse(name)
    inserts, response = _audit_inserts(client.get, url)
    assert response.status_code == 200
    people = {key: north[key].pk for key in ("robin", "sky")}
    assert _events_of(response) == {
        action: {people[key] for key in keys} for action, keys in expected.items()
    }
    assert inserts == 1


@pytest.mark.django_db
def test_the_flags_inbox_records_private_requests_and_flags_in_one_insert(
    client, coach, client_user, supervisor
):
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True)
    sign_in(client, supervisor)
    inserts, response = _audit_inserts(client.get, reverse("coaching:supervision"))
    assert _events_of(response) == {
        "supervisor_requests.view": {client_user.pk},
        "trust_flags.list": {client_user.pk},
    }
    assert inserts == 1


@pytest.mark.django_db
def test_a_session_page_without_a_note_is_audited(client, north, coach, client_user):
    sign_in(client, coach)
    url = reverse("sessions_log:session_detail", args=[north["upcoming"].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert _events_of(response) == {"session.view": {client_user.pk}}


@pytest.mark.django_db
def test_an_ics_download_is_audited_for_its_client(client, north, coach, client_user):
    sign_in(client, coach)
    response = client.get(reverse("sessions_log:session_ics", args=[north["upcoming"].pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert _events_of(response) == {"calendar.download": {client_user.pk}}


@pytest.mark.django_db
def test_reading_a_coachs_feed_records_each_client_it_lists(client, north, coach):
    token = calendar_feed_renew(actor=coach)
    inserts, response = _audit_inserts(client.get, reverse("sessions_log:feed", args=[token]))
    assert response.status_code == 200
    # One event: the feed (the coach's) read, in the coach's name, listing
    # each client it shows.
    assert _events_of(response) == {"calendar_feed.read": {north["robin"].pk, north["sky"].pk}}
    (event,) = AuditEvent.objects.filter(action="calendar_feed.read")
    assert (event.actor, event.object_id) == (coach, str(coach.pk))
    assert inserts == 1


@pytest.mark.django_db
def test_a_client_sees_that_their_calendar_feed_was_read(client, north, client_user):
    token = calendar_feed_renew(actor=client_user)
    response = client.get(reverse("sessions_log:feed", args=[token]))
    assert _events_of(response) == {"calendar_feed.read": {client_user.pk}}
    sign_in(client, client_user)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "Your calendar feed was read" in page


@pytest.mark.django_db
def test_an_export_records_each_client_the_report_includes(
    client, north, coach, supervisor, other_client, other_coach
):
    past_contact(other_coach, other_client, timedelta(hours=4))  # another team's
    sign_in(client, supervisor)
    today = timezone.localdate()
    query = {"start": today - timedelta(days=30), "end": today}
    inserts, response = _audit_inserts(
        client.get, reverse("coaching:report") + "?" + urlencode(query)
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    in_report = {row[3] for row in rows if row[0] == "client"}
    assert in_report == {"Robin Park", "Sky Moss"}
    # One event: the export, listing each client it includes as such.
    assert _events_of(response) == {"report.included": {north["robin"].pk, north["sky"].pk}}
    assert AuditEvent.objects.get(request_id=response["X-Request-ID"]).action == "report.export"
    assert inserts == 1


@pytest.mark.django_db
def test_the_client_reads_who_saw_them_in_plain_words(
    client, north, coach, supervisor, client_user
):
    sign_in(client, coach)
    client.get(reverse("coaching:coach_home"))
    sign_in(client, supervisor)
    today = timezone.localdate()
    client.get(reverse("coaching:report"), {"start": today - timedelta(days=7), "end": today})
    sign_in(client, client_user)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "Casey Rivera (coach) saw you in their caseload list" in page
    assert "Sam Supervisor (supervisor) exported a report that included you" in page
    assert "report.included" not in page and "caseload.list" not in page


# ------------------------------------------ a read only when meant, not planted

# A browser that always sends Sec-Fetch-Site (Chromium 120).
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def _reads(north, coach, supervisor, client_user):
    """(who, url) of each page that records a read of a client's data."""
    today = timezone.localdate()
    report = reverse("coaching:report") + "?" + urlencode({"start": today, "end": today})
    return [
        (coach, reverse("coaching:client_timeline", args=[client_user.pk])),
        (coach, reverse("sessions_log:session_detail", args=[north["upcoming"].pk])),
        (coach, reverse("sessions_log:session_ics", args=[north["upcoming"].pk])),
        (coach, reverse("coaching:coach_home")),
        (coach, reverse("sessions_log:agenda")),
        (coach, reverse("sessions_log:notes_to_finish")),
        (supervisor, reverse("coaching:client_history", args=[client_user.pk])),
        (supervisor, reverse("coaching:coach_detail", args=[coach.pk])),
        (supervisor, reverse("coaching:supervision")),
        (supervisor, reverse("sessions_log:review_queue")),
        (supervisor, report),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_USER_AGENT": CHROME},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_USER_AGENT": CHROME},
        {"HTTP_USER_AGENT": CHROME},  # a browser that always says, and did not
    ],
    ids=["cross-site", "same-site", "header missing"],
)
def test_a_link_from_another_site_reads_and_records_nothing_until_confirmed(
    client, north, coach, supervisor, client_user, headers
):
    for viewer, url in _reads(north, coach, supervisor, client_user):
        sign_in(client, viewer)
        response = client.get(url, **headers)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "Open this record?" in page and "Robin Park" not in page, url
        assert not AuditEvent.objects.filter(request_id=response["X-Request-ID"]).exists(), url
        # Its button is a link to the same address, which the browser then
        # fetches from this site: that reads, and records, the record.
        assert f'href="{escape(url)}"' in page, url
        confirmed = client.get(url, HTTP_SEC_FETCH_SITE="same-origin", HTTP_USER_AGENT=CHROME)
        assert confirmed.status_code == 200, url
        assert "Open this record?" not in confirmed.content.decode(), url
        assert AuditEvent.objects.filter(request_id=confirmed["X-Request-ID"]).exists(), url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_USER_AGENT": CHROME},
        {"HTTP_SEC_FETCH_SITE": "none", "HTTP_USER_AGENT": CHROME},  # typed or bookmarked
        {},  # a program that never sends the header
        {"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 6.1; rv:60.0) Gecko/20100101 Firefox/60.0"},
    ],
    ids=["same-origin", "typed", "no browser", "old browser"],
)
def test_a_deliberate_navigation_opens_the_record_and_records_it(
    client, coach, client_user, headers
):
    sign_in(client, coach)
    response = client.get(reverse("coaching:client_timeline", args=[client_user.pk]), **headers)
    assert "Robin Park" in response.content.decode()
    assert _events_of(response) == {"client.view": {client_user.pk}}


# ------------------------------------------------------------- sign-ins


@pytest.mark.django_db
def test_a_failed_login_names_the_account_tried_not_an_actor(client, client_user):
    client.post("/accounts/login/", {"login": client_user.email, "password": "wrong-password-123"})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None and event.outcome == "failed"
    assert (event.object_type, event.object_id) == ("user", str(client_user.pk))
    assert event.client == client_user


@pytest.mark.django_db
def test_supervisors_see_their_teams_staff_activity_not_their_clients_sign_ins(
    client, coach, supervisor, client_user
):
    client.post("/accounts/login/", {"login": client_user.email, "password": "wrong-password-123"})
    client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    client.post("/accounts/logout/")
    sign_in(client, coach)
    client.get(reverse("coaching:client_timeline", args=[client_user.pk]))
    sign_in(client, supervisor)
    listed = client.get(reverse("accounts:audit_log")).context["page"].object_list
    seen = {(event.actor_id, event.action) for event in listed}
    assert (coach.pk, "auth.login") in seen  # staff activity
    assert (coach.pk, "client.view") in seen  # what staff did with a client's record
    assert not {action for actor, action in seen if actor in (client_user.pk, None)}
    assert AuditEvent.objects.filter(actor=client_user, action="auth.login").exists()
