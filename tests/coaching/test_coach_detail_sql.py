"""A coach's page (caseload review) from one prepared statement (coaching/
selectors/coach_detail_sql.py), held equal to the ORM selectors it replaced,
which stay as the reference: coaching.selectors.caseloads.coach_for_viewing
and coach_caseload_page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role, User
from coaching.models import CheckIn, OutreachAttempt, TrustFlag
from coaching.selectors.caseloads import coach_caseload_page, coach_for_viewing
from coaching.selectors.coach_detail_sql import coach_detail_rows
from sessions_log.models import Session
from tests.helpers import count_queries, sign_in, varied_organisation

# What a coach's page costs, whatever the caseload: the session and its
# person (1), the prepared statement with the policy's conditions in it (1),
# the audit row of the clients shown (1). It was 7: the coach, the caseload,
# the trust summaries, the oldest overdue notes, their count, each apart;
# then 4, the policy's coach and ids read first.
COACH_DETAIL_STATEMENTS = 3

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PAGES = [1, 2, 3, "x", -4, 99]


def _reference(user: User, pk: int, page) -> dict | None:
    try:
        coach = coach_for_viewing(user, pk)
    except Http404:
        return None
    found = coach_caseload_page(user, coach, NOW, page)
    return {
        "coach": coach.display_name,
        "number": found["page"].number,
        "has_next": found["page"].has_next,
        "rows": [
            (
                row["assignment"].client_id,
                row["assignment"].client.display_name,
                row["assignment"].last_session,
                row["assignment"].next_session,
                row["assignment"].sessions_30,
                row["assignment"].quiet,
                row["assignment"].attempts_14,
                row["trust"]["scores"],
                row["trust"]["latest"],
                row["trust"]["open_flags"],
                row["assignment"].client.language,
            )
            for row in found["rows"]
        ],
        "overdue": [
            (s.pk, s.client_id, s.client.display_name, s.starts_at)
            for s in found["overdue"]["oldest"]
        ],
        "count": found["overdue"]["count"],
    }


def _statement(user: User, pk: int, page) -> dict | None:
    try:
        found = coach_detail_rows(user, pk, page, now=NOW)
    except Http404:
        return None
    rows = found["caseload"]
    return {
        "coach": found["display_name"],
        "number": found["number"],
        "has_next": len(rows) > 25,
        "rows": [
            (
                row["client_id"],
                row["display_name"],
                row["last_session"],
                row["next_session"],
                row["sessions_30"],
                row["quiet"],
                row["attempts_14"],
                row["scores"],
                row["scores"][-1] if row["scores"] else None,
                row["open_flags"],
                row["language"],
            )
            for row in rows[:25]
        ],
        "overdue": [
            (n["pk"], n["client_id"], n["display_name"], n["starts_at"]) for n in found["overdue"]
        ],
        "count": found["overdue_count"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_gives_every_reviewer_what_the_orm_selectors_give(coach, supervisor, admin_user, seed):
    with time_machine.travel(NOW, tick=False):
        org = varied_organisation(seed, coach, supervisor, NOW)
        viewers = [supervisor, org["east"], admin_user, coach]
        pks = [person.pk for person in org["coaches"]] + [org["clients"][0].pk, 10**9]
        for viewer in viewers:
            for pk in pks:
                for page in PAGES:
                    mine = _statement(viewer, pk, page)
                    assert mine == _reference(viewer, pk, page), (viewer, pk, page)
        # The organisation was varied enough to mean something.
        casey = _statement(supervisor, coach.pk, 1)
        assert casey["has_next"] and casey["count"] > len(casey["overdue"]) == 10
        assert {row[5] for row in casey["rows"]} == {True, False}  # quiet and not
        assert any(row[7] for row in casey["rows"]) and any(row[2] for row in casey["rows"])
        # An admin reviews the figures but not the check-ins (the policy's).
        assert not any(row[7] for row in _statement(admin_user, coach.pk, 1)["rows"])
        # A supervisor of another team sees none of it: the page is a 404.
        assert _statement(org["east"], coach.pk, 1) is None


@pytest.mark.django_db
def test_a_coach_of_another_team_is_not_found_and_nothing_is_recorded(
    client, supervisor, other_coach, other_client
):
    """45 CFR 164.312(b): a record someone may not see is a 404, not a page."""
    sign_in(client, supervisor)
    before = AuditEvent.objects.filter(client_id=other_client.pk).count()
    response = client.get(reverse("coaching:coach_detail", args=[other_coach.pk]))
    assert response.status_code == 404
    assert other_client.display_name not in response.content.decode()
    assert AuditEvent.objects.filter(client_id=other_client.pk).count() == before


def _overdue_session(coach, person, days_ago: float) -> Session:
    starts = timezone.now() - timedelta(days=days_ago)
    return Session.objects.create(
        coach=coach,
        client=person,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        modality="phone",
        status="completed",
        created_by=coach,
        note_state="to_write",
    )


def _grow(coach, size: int) -> None:
    """`size` more clients for `coach`, each with a check-in, an open flag,
    an attempt to reach them and an overdue note."""
    for number in range(size):
        person = User.objects.create(
            email=f"grown{number}@example.org", display_name=f"Grown {number}", role=Role.CLIENT
        )
        assignment = CaseloadAssignment.objects.create(coach=coach, client=person)
        CheckIn.objects.create(
            assignment=assignment,
            client=person,
            coach=coach,
            heard=7,
            safe=7,
            focus=7,
            trust=7,
            helping=7,
        )
        TrustFlag.objects.create(
            assignment=assignment, client=person, coach=coach, rule="low_score", detail="x"
        )
        OutreachAttempt.objects.create(
            client=person, coach=coach, channel="phone", outcome="no_answer"
        )
        _overdue_session(coach, person, 5 + number / 10)


@pytest.mark.django_db
def test_the_page_runs_the_same_few_statements_with_1_or_50_clients(
    client, coach, client_user, supervisor
):
    sign_in(client, supervisor)
    url = reverse("coaching:coach_detail", args=[coach.pk])
    client.get(url)  # the first request of a login records the session
    small, response = count_queries(client.get, url)
    assert response.status_code == 200 and "Robin Park" in response.content.decode()
    _grow(coach, 50)
    large, response = count_queries(client.get, url)
    html = response.content.decode()
    assert "Grown 1" in html and "50 notes overdue; the 10 oldest:" in html
    assert small == large == COACH_DETAIL_STATEMENTS


@pytest.mark.django_db
def test_the_statement_is_prepared_once_per_connection(client, coach, client_user, supervisor):
    """PostgreSQL plans it once per connection, not on every request."""
    sign_in(client, supervisor)
    for _ in range(7):
        url = reverse("coaching:coach_detail", args=[coach.pk])
        assert client.get(url).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%overdue AS MATERIALIZED%"],
        )
        (executions,) = cursor.fetchone()
    assert executions >= 7


@pytest.mark.django_db
def test_the_page_shows_and_audits_each_client_once_in_one_event(
    client, coach, client_user, supervisor
):
    """45 CFR 164.312(b): the clients a page shows are recorded, once each,
    in one event: a client listed only among the overdue notes too (the
    second page of the caseload lists others)."""
    _grow(coach, 30)
    _overdue_session(coach, client_user, 40)  # the oldest overdue note
    User.objects.filter(pk=client_user.pk).update(display_name="<i>Robin</i>")
    sign_in(client, supervisor)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    url = reverse("coaching:coach_detail", args=[coach.pk])
    html = client.get(url, {"page": 2}).content.decode()
    assert "&lt;i&gt;Robin&lt;/i&gt;" in html and "<i>Robin" not in html
    assert "Grown 9" in html  # the second page of 31 clients by name
    assert reverse("coaching:client_history", args=[client_user.pk]) not in html
    (event,) = AuditEvent.objects.filter(pk__gt=before)
    assert event.action == "coach_caseload.list"
    shown = {pk for pk, _ in event.clients_shown()}
    assert client_user.pk in shown  # listed among the oldest overdue notes only
    # Page 2: Grown 4 to Grown 9; overdue: Robin's, then Grown 29 to Grown 21's.
    assert len(shown) == len(event.client_ids) == 6 + 10
    assert AuditEvent.objects.filter(AuditEvent.about(client_user.pk), pk=event.pk).exists()


@pytest.mark.django_db
def test_dates_are_in_the_viewers_time_zone_and_admins_get_no_record_links(
    client, coach, client_user, supervisor, admin_user
):
    """A session begun late on 31 Dec in UTC was on 1 Jan in Auckland."""
    session = _overdue_session(coach, client_user, 3)
    Session.objects.filter(pk=session.pk).update(
        starts_at=datetime(2025, 12, 31, 20, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 31, 21, 0, tzinfo=UTC),
    )
    User.objects.filter(pk=supervisor.pk).update(time_zone="Pacific/Auckland")
    url = reverse("coaching:coach_detail", args=[coach.pk])
    sign_in(client, supervisor)
    html = client.get(url).content.decode()
    assert "<td>1 Jan 2026</td>" in html and "session of 1 Jan 2026" in html
    assert reverse("sessions_log:session_detail", args=[session.pk]) in html
    sign_in(client, admin_user)
    html = client.get(url).content.decode()
    assert "session of 31 Dec 2025" in html
    assert reverse("sessions_log:session_detail", args=[session.pk]) not in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999", "2"])
def test_a_bad_page_number_shows_the_first_page(client, coach, client_user, supervisor, page):
    sign_in(client, supervisor)
    response = client.get(reverse("coaching:coach_detail", args=[coach.pk]), {"page": page})
    assert response.status_code == 200
    assert "Robin Park" in response.content.decode()
