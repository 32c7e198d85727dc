"""The coach's home from one prepared statement (coaching/selectors/
coach_home_sql.py), held equal to the ORM selectors it replaced, which stay
as the reference: coaching.selectors.homes.coach_caseload_home and
plan_figures.plan_due_counts_by_coach."""

import random
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role, Team, User
from coaching.models import CheckIn, Plan, TrustFlag
from coaching.selectors.coach_home_sql import coach_home_rows
from coaching.selectors.homes import coach_caseload_home
from coaching.selectors.plan_figures import plan_due_counts_by_coach
from coaching.services.figures import figures_repair
from common.fastpaths import (
    day_month,
    day_month_year,
    url_of,
    weekday_day_month_time,
    weekday_day_month_year,
)
from sessions_log.models import Note, Session
from tests.helpers import count_queries, sign_in

# What the coach's home costs, whatever the caseload: the session and its
# person (1), the prepared statement with the policy's condition in it (1),
# the audit row(s) of the clients shown (1), the invitations (1). It was 7:
# the caseload, the trust summaries, the notes and the plan figures each
# had their own; then 5, the policy's relationship ids read first.
COACH_HOME_STATEMENTS = 4

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _organisation(seed: int, coach: User) -> list[User]:
    """Two teams of coaches; clients with and without check-ins (some at the
    same instant), flags of each status, plans agreed long ago, lately or
    never, notes to finish with and without drafts; relationships closed
    and reassigned; an inactive coach. `coach` gets a caseload longer than
    a page and more notes than the home lists."""
    rng = random.Random(seed)
    other_team = Team.objects.create(name=f"East {seed}")
    coaches = [coach] + [
        User.objects.create(
            email=f"coach{seed}-{n}@example.org",
            display_name=f"Coach {n}",
            role=Role.COACH,
            team=coach.team if n < 3 else other_team,
            is_active=n != 4,
        )
        for n in range(1, 6)
    ]
    slot = iter(range(10_000))
    for n in range(60):
        person = User.objects.create(
            email=f"client{seed}-{n}@example.org",
            # Unique names: the ORM selector orders by name alone.
            display_name=f"{rng.choice(['Ana', 'Bo', 'Cy', 'Di', '<b>Ed</b>'])} {n:03d}",
            role=Role.CLIENT,
            language="es" if n % 3 == 0 else "en",  # not from rng: the same data as before
        )
        first = coach if n < 32 else rng.choice(coaches)
        started = NOW - timedelta(days=rng.choice([2, 20, 40, 200]), hours=rng.randrange(24))
        assignments = [
            CaseloadAssignment.objects.create(coach=first, client=person, started_at=started)
        ]
        if rng.random() < 0.2:  # closed, then maybe taken by another coach
            CaseloadAssignment.objects.filter(pk=assignments[0].pk).update(
                ended_at=started + timedelta(days=1)
            )
            if rng.random() < 0.7:
                assignments.append(
                    CaseloadAssignment.objects.create(
                        coach=rng.choice(coaches),
                        client=person,
                        started_at=started + timedelta(days=1, hours=1),
                    )
                )
        plan = rng.choice(["none", "draft", "old", "recent"])
        if plan != "none":
            agreed = {"draft": None, "old": NOW - timedelta(days=120), "recent": NOW}[plan]
            Plan.objects.create(client=person, created_by=first)
            Plan.objects.filter(client=person).update(last_agreed_at=agreed)
        for assignment in assignments:
            tie = NOW - timedelta(days=rng.randrange(1, 30))
            for _ in range(rng.choice([0, 0, 1, 3, 12])):
                answers = {name: rng.randrange(0, 11) for name in CheckIn_ITEMS}
                CheckIn.objects.create(
                    assignment=assignment,
                    client=person,
                    coach=assignment.coach,
                    created_at=tie
                    if rng.random() < 0.3
                    else NOW - timedelta(hours=rng.randrange(900)),
                    **answers,
                )
            # At most one unresolved flag per rule: a rule each.
            for rule, status in zip(
                TrustFlag.Rule.values,
                rng.sample(list(TrustFlag.Status.values) * 2, rng.randrange(0, 4)),
                strict=False,
            ):
                TrustFlag.objects.create(
                    assignment=assignment,
                    client=person,
                    coach=assignment.coach,
                    rule=rule,
                    detail="score 40",
                    status=status,
                    resolved_at=NOW if status == "resolved" else None,
                )
            sessions = 6 if assignment.coach == coach and n < 3 else rng.randrange(0, 3)
            for _ in range(sessions):
                starts = NOW - timedelta(days=1, hours=next(slot) * 2)
                session = Session.objects.create(
                    coach=assignment.coach,
                    client=person,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=rng.choice([1, 1, 2]) if n % 7 else 1),
                    modality="phone",
                    status="completed",
                    created_by=assignment.coach,
                    note_state=rng.choice(["to_write", "to_write", "none"]),
                )
                if rng.random() < 0.4:
                    Note.objects.create(session=session, author=assignment.coach)
    # Made past the services: the kept figures (the plan's last agreement,
    # which the statement reads) from history, as the nightly check does.
    figures_repair()
    return coaches


CheckIn_ITEMS = ("heard", "safe", "focus", "trust", "helping")


def _reference(coach: User, page) -> dict:
    found = coach_caseload_home(coach, page)
    return {
        "number": found["page"].number,
        "has_next": found["page"].has_next,
        "rows": [
            (
                row["assignment"].client_id,
                row["assignment"].client.display_name,
                row["assignment"].started_at,
                row["assignment"].plan_agreed_at,
                row["trust"]["scores"],
                row["trust"]["latest"],
                row["trust"]["latest_at"],
                row["trust"]["open_flags"],
                row["assignment"].client.language,
            )
            for row in found["rows"]
        ],
        "notes": [
            (s.pk, s.client_id, s.client.display_name, s.starts_at, s.note_due_at, s.has_draft)
            for s in found["notes_to_finish"]
        ],
        "more": found["more"],
        "plans": plan_due_counts_by_coach(coach, [coach.pk])[coach.pk],
    }


def _statement(coach: User, page) -> dict:
    found = coach_home_rows(coach, page)
    rows, notes = found["caseload"], found["notes"]
    return {
        "number": found["number"],
        "has_next": len(rows) > 25,
        "rows": [
            (
                row["client_id"],
                row["display_name"],
                row["started_at"],
                row["plan_agreed_at"],
                row["scores"],
                row["scores"][-1] if row["scores"] else None,
                row["latest_at"],
                row["open_flags"],
                row["language"],
            )
            for row in rows[:25]
        ],
        "notes": [
            (
                n["pk"],
                n["client_id"],
                n["display_name"],
                n["starts_at"],
                n["note_due_at"],
                n["has_draft"],
            )
            for n in notes[:10]
        ],
        "more": len(notes) > 10,
        "plans": found["plans"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_gives_every_coach_what_the_orm_selectors_give(coach, supervisor, seed):
    with time_machine.travel(NOW, tick=False):
        coaches = _organisation(seed, coach) + [supervisor]
        for person in coaches:
            for page in [1, 2, 3, "x", -4, 99]:
                assert _statement(person, page) == _reference(person, page), (person, page)
    # The organisation was varied enough to mean something.
    mine = _statement(coach, 1)
    assert mine["has_next"] and mine["more"] and mine["plans"]["review_due"]
    assert any(row[4] for row in mine["rows"]) and any(not row[4] for row in mine["rows"])


def _note_to_write(coach, client, starts):
    """An hour's completed phone contact whose note is still to write."""
    return Session.objects.create(
        coach=coach,
        client=client,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        modality="phone",
        status="completed",
        created_by=coach,
        note_state="to_write",
    )


@pytest.mark.django_db
def test_a_closed_or_handed_over_relationship_leaves_the_coachs_home(coach, client_user):
    """What the old coach saw of the client goes with the relationship: rows,
    check-ins, and the note still to finish (the policy's scope)."""
    CheckIn.objects.create(
        assignment=CaseloadAssignment.objects.get(client=client_user),
        client=client_user,
        coach=coach,
        **dict.fromkeys(CheckIn_ITEMS, 5),
    )
    _note_to_write(coach, client_user, timezone.now() - timedelta(days=2))
    before = coach_home_rows(coach, 1)
    assert [row["client_id"] for row in before["caseload"]] == [client_user.pk]
    assert [note["client_id"] for note in before["notes"]] == [client_user.pk]
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    after = coach_home_rows(coach, 1)
    assert after["caseload"] == [] and after["notes"] == []
    assert after["plans"] == {"review_due": 0, "not_agreed": 0}


def _grow(coach, size: int) -> None:
    for number in range(size):
        person = User.objects.create(
            email=f"grown{number}@example.org", display_name=f"Grown {number}", role=Role.CLIENT
        )
        assignment = CaseloadAssignment.objects.create(coach=coach, client=person)
        CheckIn.objects.create(
            assignment=assignment, client=person, coach=coach, **dict.fromkeys(CheckIn_ITEMS, 7)
        )
        TrustFlag.objects.create(
            assignment=assignment, client=person, coach=coach, rule="low_score", detail="x"
        )
        starts = timezone.now() - timedelta(days=3, hours=number * 2)
        _note_to_write(coach, person, starts)


@pytest.mark.django_db
def test_the_page_runs_the_same_few_statements_with_1_or_50_clients(client, coach, client_user):
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    client.get(url)  # the first request of a login records the session
    small, response = count_queries(client.get, url)
    assert response.status_code == 200
    _grow(coach, 50)
    large, response = count_queries(client.get, url)
    assert response.status_code == 200
    assert "Grown 1" in response.content.decode()
    assert small == large == COACH_HOME_STATEMENTS


@pytest.mark.django_db
def test_the_statement_is_prepared_once_per_connection(client, coach, client_user):
    """PostgreSQL plans it once per connection, not on every request."""
    sign_in(client, coach)
    for _ in range(7):
        assert client.get(reverse("coaching:coach_home")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%WITH rel AS MATERIALIZED%"],
        )
        (executions,) = cursor.fetchone()
    assert executions >= 7


@pytest.mark.django_db
def test_the_page_shows_and_audits_each_client_once(client, coach, client_user):
    """45 CFR 164.312(b): the clients a page shows are recorded, once each
    (the caseload's row first, the note to finish not again)."""
    _note_to_write(coach, client_user, timezone.now() - timedelta(days=5))
    User.objects.filter(pk=client_user.pk).update(display_name="<i>Robin</i>")
    sign_in(client, coach)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    html = client.get(reverse("coaching:coach_home")).content.decode()
    assert "&lt;i&gt;Robin&lt;/i&gt;" in html and "<i>Robin" not in html
    assert "overdue" in html and "not started" in html
    assert reverse("coaching:client_timeline", args=[client_user.pk]) in html
    events = AuditEvent.objects.filter(client_id=client_user.pk, pk__gt=before)
    assert list(events.values_list("action", flat=True)) == ["caseload.list"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999", "2"])
def test_a_bad_page_number_shows_the_first_page(client, coach, client_user, page):
    sign_in(client, coach)
    response = client.get(reverse("coaching:coach_home"), {"page": page})
    assert response.status_code == 200
    assert "Robin Park" in response.content.decode()


@pytest.mark.django_db
def test_dates_are_in_the_viewers_time_zone(client, coach, client_user):
    """A relationship begun late on 31 Dec in UTC began on 1 Jan in Auckland."""
    CaseloadAssignment.objects.filter(client=client_user).update(
        started_at=datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    )
    User.objects.filter(pk=coach.pk).update(time_zone="Pacific/Auckland")
    sign_in(client, coach)
    html = client.get(reverse("coaching:coach_home")).content.decode()
    assert "<td>1 Jan 2026</td>" in html


def test_the_formatters_give_what_the_date_filter_gives():
    zone = zoneinfo.ZoneInfo("America/Denver")
    moment = datetime(2025, 1, 1, 0, 5, tzinfo=UTC)
    for step in range(0, 400 * 24, 7):
        local = (moment + timedelta(hours=step)).astimezone(zone)
        assert day_month_year(local) == dateformat.format(local, "j M Y")
        assert day_month(local) == dateformat.format(local, "j M")
        assert weekday_day_month_year(local) == dateformat.format(local, "D j M Y")
        assert weekday_day_month_time(local) == dateformat.format(local, "D j M, H:i")


def test_urls_are_what_reverse_gives():
    for name in ("coaching:client_timeline", "coaching:plan", "sessions_log:session_detail"):
        for pk in (1, 7, 918273645, 10**12):
            assert url_of(name, pk) == reverse(name, args=[pk])


@pytest.mark.django_db
def test_a_client_listed_only_in_the_notes_to_finish_is_audited_too(client, coach, client_user):
    """45 CFR 164.312(b): the second page of the caseload lists other clients
    than the oldest notes to finish; both are recorded, each under its part."""
    _grow(coach, 30)
    sign_in(client, coach)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    html = client.get(reverse("coaching:coach_home"), {"page": 2}).content.decode()
    assert "Robin Park" in html and "Grown 29" in html
    # One event for the page view, listing each client with its part.
    (event,) = AuditEvent.objects.filter(pk__gt=before, action="caseload.list")
    names = dict(User.objects.values_list("pk", "display_name"))
    events = {names[pk]: kind for pk, kind in event.clients_shown()}
    assert events["Robin Park"] == "caseload.list"
    assert events["Grown 29"] == "notes_to_finish.list"
    assert len(events) == len(event.client_ids) == 6 + 10
