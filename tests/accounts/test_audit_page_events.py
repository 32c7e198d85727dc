"""accounts.audit.audit_clients_shown: one audit event per page view listing
the clients it showed (`client_ids`, issue 30 point 3), and each reader of
the trail reading that list, so a client still sees each view exactly once.

HIPAA 45 CFR 164.312(b) (audit controls: record and examine activity) and
164.308(a)(1)(ii)(D) (information system activity review); a breach report
answers 45 CFR 164.404(c) (what happened, whose information) as 42 CFR
2.16 requires of a Part 2 programme.
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_event
from accounts.models import AuditEvent, CaseloadAssignment, Role, User
from accounts.selectors.reviews import (
    EXPORT_COLUMNS,
    audit_export_for_viewing,
    breach_report_for_viewing,
)
from accounts.selectors.trail import audit_events_visible_to, record_view_lines_for_viewing
from tests.helpers import sign_in


def _clients_of(coach, size) -> list[User]:
    people = User.objects.bulk_create(
        User(email=f"page{n}@example.org", display_name=f"Page Client {n}", role=Role.CLIENT)
        for n in range(size)
    )
    CaseloadAssignment.objects.bulk_create(
        CaseloadAssignment(coach=coach, client=person) for person in people
    )
    return people


def _wal_position():
    # The insert position: a test runs in a transaction that never commits,
    # so the write position (pg_current_wal_lsn) need not move at all.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        return cursor.fetchone()[0]


def _wal_since(start) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", [start])
        return int(cursor.fetchone()[0])


def _lines(client) -> list[tuple[str | None, list[str], int]]:
    """The client's "Who viewed my record": (viewer's email, what, times)."""
    page = record_view_lines_for_viewing(client, 1)
    return [
        (line.actor.email if line.actor else None, line.actions, line.times)
        for line in page.object_list
    ]


@pytest.mark.django_db
def test_a_coach_home_of_50_clients_writes_one_audit_row_and_at_most_2_kb_of_wal(client, coach):
    """164.312(b): the view is still recorded, with every client it showed,
    in one row of at most 2 KB of WAL (it was a row per client: 25 rows,
    10.9 KB measured; now about 1.25 KB)."""
    people = _clients_of(coach, 50)
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    assert client.get(url).status_code == 200  # records the session's first request
    written = []
    # The least of three views: WAL is the whole server's, and a background
    # writer (autovacuum) may add its own to one of them.
    for _ in range(3):
        rows, start = AuditEvent.objects.count(), _wal_position()
        response = client.get(url)
        written.append(_wal_since(start))
        assert response.status_code == 200
        assert AuditEvent.objects.count() == rows + 1
    (event,) = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    assert (event.actor, event.action, event.client) == (coach, "caseload.list", None)
    assert len(event.client_ids) == 25  # the first page of the caseload
    assert set(event.client_ids) <= {person.pk for person in people}
    assert min(written) <= 2048, written


@pytest.mark.django_db
def test_each_client_on_the_coach_home_sees_each_view_once(client, coach):
    """164.308(a)(1)(ii)(D): the client reviews who saw them; two views of a
    home listing three clients are, for each of them, one line of 2 reads."""
    people = _clients_of(coach, 3)
    sign_in(client, coach)
    for _ in range(2):
        assert client.get(reverse("coaching:coach_home")).status_code == 200
    for person in people:
        assert _lines(person) == [(coach.email, ["caseload.list"], 2)]


@pytest.mark.django_db
def test_a_page_in_two_parts_keeps_what_each_part_showed_of_each_client(client, coach):
    """One row for the page; each client's "Who viewed my record" says what
    the part that first showed them was (a client on the coach's notes to
    finish only is not told they were on the caseload list)."""
    first, both, notes_only = _clients_of(coach, 3)
    before = AuditEvent.objects.count()
    audit_clients_shown(
        actor=coach,
        shown=[("caseload.list", [first, both]), ("notes_to_finish.list", [both, notes_only])],
    )
    assert AuditEvent.objects.count() == before + 1
    assert _lines(first) == [(coach.email, ["caseload.list"], 1)]
    assert _lines(both) == [(coach.email, ["caseload.list"], 1)]
    assert _lines(notes_only) == [(coach.email, ["notes_to_finish.list"], 1)]
    notes_only.set_password("Client-pass-1234")
    notes_only.save()
    sign_in(client, notes_only)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "saw your session in their list of notes to finish" in page
    assert "caseload list" not in page


@pytest.mark.django_db
def test_the_export_names_each_client_of_a_page_and_records_itself_once_per_client(
    coach, admin_user
):
    """164.312(b) examine activity: the exported file lists each client a
    page showed, with what it showed of them; the export is one event that
    each client it names sees once."""
    first, notes_only = _clients_of(coach, 2)
    audit_clients_shown(
        actor=coach, shown=[("caseload.list", [first]), ("notes_to_finish.list", [notes_only])]
    )
    today = timezone.localdate()
    before = AuditEvent.objects.count()
    rows = list(audit_export_for_viewing(admin_user, start=today, end=today))
    assert AuditEvent.objects.count() == before + 1
    (page,) = [
        dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows if row[4] == "caseload.list"
    ]
    assert page["action"] == "caseload.list" and page["client_id"] == ""
    assert page["clients_shown"] == (
        f"{first.pk}:caseload.list {notes_only.pk}:notes_to_finish.list"
    )
    for person in (first, notes_only):
        assert (admin_user.email, ["audit_trail.export_client"], 1) in _lines(person)


@pytest.mark.django_db
def test_the_breach_report_counts_each_page_view_for_each_client_it_showed(coach, admin_user):
    """45 CFR 164.404(c)(1) via 42 CFR 2.16: whose records an account read,
    and what it did with each; a page view counts once for each client on it."""
    first, notes_only = _clients_of(coach, 2)
    for _ in range(2):
        audit_clients_shown(
            actor=coach,
            shown=[("caseload.list", [first]), ("notes_to_finish.list", [notes_only])],
        )
    today = timezone.localdate()
    report = breach_report_for_viewing(
        admin_user, account_email=coach.email, start=today - timedelta(days=1), end=today
    )
    reads = {
        entry.client_id: [(r.action, r.outcome, r.count) for r in entry.reads]
        for entry in report.clients
    }
    assert reads == {
        first.pk: [("caseload.list", "ok", 2)],
        notes_only.pk: [("notes_to_finish.list", "ok", 2)],
    }
    assert all(entry.could_see for entry in report.clients)


@pytest.mark.django_db
def test_a_supervisor_sees_a_page_view_that_listed_a_client_of_their_team(
    client, supervisor, client_user, other_client, admin_user
):
    """164.308(a)(1)(ii)(D): the team's activity review includes an admin's
    list that showed the team's client among others; not one that did not."""
    audit_clients_shown(actor=admin_user, shown=[("people.list", [client_user, other_client])])
    audit_clients_shown(actor=admin_user, shown=[("people.list", [other_client])])
    visible = audit_events_visible_to(supervisor).filter(action="people.list")
    assert [event.client_ids for event in visible] == [[client_user.pk, other_client.pk]]
    sign_in(client, admin_user)
    page = client.get(reverse("accounts:audit_log"), {"client": client_user.email})
    assert page.content.decode().count("people.list") == 1
    assert f"{client_user.display_name}, {other_client.display_name}" in page.content.decode()
    # The supervisor's trail names their team's client, not the other.
    sign_in(client, supervisor)
    page = client.get(reverse("accounts:audit_log")).content.decode()
    assert page.count("people.list") == 1
    assert client_user.display_name in page and other_client.display_name not in page
    (read,) = AuditEvent.objects.filter(actor=supervisor, action="audit_trail.view")
    assert read.client_ids == [client_user.pk]


@pytest.mark.django_db
def test_a_page_event_and_its_client_list_are_append_only(coach):
    """164.312(b), (c)(1) integrity: nobody rewrites whom a view showed."""
    first, second = _clients_of(coach, 2)
    audit_clients_shown(actor=coach, shown=[("caseload.list", [first, second])])
    event = AuditEvent.objects.get(action="caseload.list")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(client_ids=[first.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).client_ids == [first.pk, second.pk]


@pytest.mark.django_db
def test_an_event_of_the_request_about_nobody_becomes_the_page_event(coach):
    """One row per view: the trail's own reading, an export or a feed read
    (an event about no client) carries the page's list of clients."""
    first, second = _clients_of(coach, 2)
    read = audit_event(actor=coach, action="calendar_feed.read", obj=coach)
    audit_clients_shown(actor=coach, shown=[("calendar_feed.read", [first, second])], also=[read])
    (event,) = AuditEvent.objects.filter(action="calendar_feed.read")
    assert (event.action, event.object_id, event.client_ids) == (
        "calendar_feed.read",
        str(coach.pk),
        [first.pk, second.pk],
    )
    assert (event.part_actions, event.client_parts) == ([], [])
