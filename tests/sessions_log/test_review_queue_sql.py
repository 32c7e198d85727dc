"""The supervisors' co-sign queue from one prepared statement (sessions_log/
selectors/review_queue_sql.py), held equal to the ORM selector it replaced,
which stays as the reference: sessions_log.selectors.notes.review_queue
(paged by common.paging.page_of)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role, Team, User
from common.paging import page_of
from sessions_log.models import Session
from sessions_log.selectors.notes import review_queue
from sessions_log.selectors.review_queue_sql import review_queue_rows
from tests.conftest import make_user
from tests.helpers import count_queries, sign_in, varied_organisation

# What the queue costs, whatever its length: the session and its person
# (1), the prepared statement, which reads the policy's clients itself (1),
# the audit row of the clients shown (1). It was 3 too (the ORM's query in
# place of the statement), planned again on every view.
REVIEW_QUEUE_STATEMENTS = 3

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PAGES = [1, 2, 3, "x", -4, 99]


def _reference(supervisor: User, page) -> dict:
    found = page_of(review_queue(supervisor), page)
    return {
        "number": found.number,
        "has_next": found.has_next,
        "rows": [
            (
                s.pk,
                s.client_id,
                s.starts_at,
                s.note_state_at,
                s.client.display_name,
                s.coach.display_name,
            )
            for s in found.object_list
        ],
    }


def _statement(supervisor: User, page) -> dict:
    found = review_queue_rows(supervisor, page)
    rows = found["rows"]
    return {
        "number": found["number"],
        "has_next": len(rows) > 25,
        "rows": [
            (
                r["pk"],
                r["client_id"],
                r["starts_at"],
                r["note_state_at"],
                r["client_name"],
                r["coach_name"],
            )
            for r in rows[:25]
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_gives_every_supervisor_what_the_orm_selector_gives(coach, supervisor, admin_user, seed):
    with time_machine.travel(NOW, tick=False):
        org = varied_organisation(seed, coach, supervisor, NOW)
        # More than a page waiting for the North team.
        for number in range(30):
            _waiting(coach, org["clients"][number % 5], NOW - timedelta(days=60, hours=number * 2))
        lone = Team.objects.create(name=f"Lone {seed}")
        viewers = [
            supervisor,
            org["east"],
            User.objects.create(
                email=f"w{seed}@example.org", display_name="W", role=Role.SUPERVISOR, team=lone
            ),
            User.objects.create(
                email=f"n{seed}@example.org", display_name="N", role=Role.SUPERVISOR
            ),
            User.objects.create(
                email=f"i{seed}@example.org",
                display_name="I",
                role=Role.SUPERVISOR,
                team=supervisor.team,
                is_active=False,
            ),
            admin_user,
            coach,
        ]
        for viewer in viewers:
            for page in PAGES:
                assert _statement(viewer, page) == _reference(viewer, page), (viewer, page)
        # The organisation was varied enough to mean something.
        north, east = _statement(supervisor, 1), _statement(org["east"], 1)
        assert north["has_next"] and east["rows"]
        assert not {row[0] for row in north["rows"]} & {row[0] for row in east["rows"]}
        states = set(Session.objects.values_list("note_state", flat=True))
        assert {"to_write", "awaiting_cosign", "cosigned", "returned"} <= states


def _waiting(coach, person, starts) -> Session:
    """A session whose signed note waits for a co-sign since an hour after it."""
    return Session.objects.create(
        coach=coach,
        client=person,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        modality="phone",
        status="completed",
        created_by=coach,
        note_state="awaiting_cosign",
        note_state_at=starts + timedelta(hours=1),
    )


@pytest.mark.django_db
def test_the_page_runs_the_same_few_statements_with_1_or_50_notes(
    client, coach, client_user, supervisor
):
    sign_in(client, supervisor)
    url = reverse("sessions_log:review_queue")
    _waiting(coach, client_user, timezone.now() - timedelta(days=3))
    client.get(url)  # the first request of a login records the session
    small, response = count_queries(client.get, url)
    assert response.content.decode().count("Open the note") == 1
    for number in range(49):
        _waiting(coach, client_user, timezone.now() - timedelta(days=4, hours=number * 2))
    large, response = count_queries(client.get, url)
    page = response.content.decode()
    assert page.count("Open the note") == 25 and "Page 1" in page
    assert small == large == REVIEW_QUEUE_STATEMENTS
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("Open the note") == 25


@pytest.mark.django_db
def test_one_statement_prepared_once_serves_every_supervisor(
    client, coach, client_user, supervisor, other_team, other_coach, other_client
):
    """The text is the same for every team (the team is a parameter), so
    PostgreSQL plans it once per connection, not on every view."""
    south = make_user("sid@example.org", Role.SUPERVISOR, name="Sid", team=other_team)
    _waiting(coach, client_user, timezone.now() - timedelta(days=3))
    _waiting(other_coach, other_client, timezone.now() - timedelta(days=3))
    for person, seen, unseen in [
        (supervisor, "Robin Park", "Riley Chen"),
        (south, "Riley Chen", "Robin Park"),
    ] * 4:
        sign_in(client, person)
        html = client.get(reverse("sessions_log:review_queue")).content.decode()
        assert seen in html and unseen not in html
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), sum(generic_plans + custom_plans) FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%s.note_state = 'awaiting_cosign' AND s.client_id IN%"],
        )
        statements, executions = cursor.fetchone()
    assert (statements, executions) == (1, 8)


@pytest.mark.django_db
def test_the_page_shows_and_audits_each_client_once_in_one_event(
    client, coach, client_user, supervisor
):
    """45 CFR 164.312(b): the clients a page shows are recorded, once each,
    in one event per view. Co-signed and returned notes are not listed; a
    client handed to a coach of another team leaves the queue (the policy)."""
    User.objects.filter(pk=client_user.pk).update(display_name="<i>Robin</i>")
    other = User.objects.create(email="o@example.org", display_name="Olly", role=Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=other)
    waiting = _waiting(coach, client_user, timezone.now() - timedelta(days=3))
    _waiting(coach, client_user, timezone.now() - timedelta(days=4))
    for days, state in [(6, "cosigned"), (7, "returned")]:
        done = _waiting(coach, other, timezone.now() - timedelta(days=days))
        Session.objects.filter(pk=done.pk).update(note_state=state)
    sign_in(client, supervisor)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    html = client.get(reverse("sessions_log:review_queue")).content.decode()
    assert html.count("&lt;i&gt;Robin&lt;/i&gt;") == 2 and "<i>Robin" not in html
    assert "Olly" not in html
    assert reverse("sessions_log:session_detail", args=[waiting.pk]) in html
    (event,) = AuditEvent.objects.filter(pk__gt=before)
    assert (event.action, list(event.client_ids)) == ("review_queue.list", [client_user.pk])
    assert [pk for pk, _ in event.clients_shown()] == [client_user.pk]
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    html = client.get(reverse("sessions_log:review_queue")).content.decode()
    assert "No notes are waiting for review." in html


@pytest.mark.django_db
def test_dates_are_in_the_viewers_time_zone(client, coach, client_user, supervisor):
    """A session begun late on 31 Dec in UTC was on 1 Jan in Auckland."""
    _waiting(coach, client_user, datetime(2025, 12, 31, 20, 0, tzinfo=UTC))
    User.objects.filter(pk=supervisor.pk).update(time_zone="Pacific/Auckland")
    sign_in(client, supervisor)
    html = client.get(reverse("sessions_log:review_queue")).content.decode()
    assert "Open the note of 1 Jan</a>" in html
    assert "<td>1 Jan 2026, 10:00</td>" in html  # waiting since 21:00 UTC


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999", "2"])
def test_a_bad_page_number_shows_the_first_page(client, coach, client_user, supervisor, page):
    _waiting(coach, client_user, timezone.now() - timedelta(days=3))
    sign_in(client, supervisor)
    response = client.get(reverse("sessions_log:review_queue"), {"page": page})
    assert response.status_code == 200
    assert "Robin Park" in response.content.decode()
