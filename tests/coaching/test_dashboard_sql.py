"""The team dashboard from prepared statements (coaching/selectors/
dashboard_sql.py), held equal to the ORM selectors it replaced, which stay
as the reference: coaching.selectors.caseloads.team_dashboard and
episodes.episode_month_figures; the page's fixed cost; its plan kept.

The statement reads the kept figures (coaching/models/figures.py), the
reference reads history: data made here by plain inserts (bypassing the
services) gets its figures from figures_repair(), as the nightly check
would; one case keeps them through the real services alone."""

import contextlib
import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, Team, User
from accounts.policy.relationships import reviews_every_team
from accounts.services.relationships import assignment_create
from coaching.models import (
    CheckIn,
    Episode,
    Goal,
    OutreachAttempt,
    Plan,
    ReferralSource,
    Step,
    SupervisorRequest,
    TrustFlag,
)
from coaching.selectors.caseloads import team_dashboard
from coaching.selectors.dashboard_coaches_sql import reviewed_coach_ids
from coaching.selectors.dashboard_episodes_sql import episode_month_rows
from coaching.selectors.dashboard_sql import team_dashboard_rows
from coaching.selectors.episodes import episode_month_figures
from coaching.services.figures import figures_drift, figures_repair
from coaching.services.outreach import outreach_attempt_log
from sessions_log.models import Session
from sessions_log.services.sessions import session_close, session_schedule
from tests.conftest import make_user
from tests.helpers import LOW, _submit, agree, area, count_queries, past_contact, plan_with, sign_in

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
ITEMS = ("heard", "safe", "focus", "trust", "helping")
# What the dashboard costs, whatever the number of coaches: the session and
# its person (1), the policy's coach ids (1), the figures' statement (1), the
# episodes panel's (1); an admin's team filter, its teams (1). It was 9 for a
# supervisor (8 for an admin): the coaches, then a grouped query per table
# and one for the episodes.
DASHBOARD_STATEMENTS = 4
ADMIN_DASHBOARD_STATEMENTS = 5


def _organisation(seed: int, team: Team, supervisor: User) -> None:
    """Three teams of coaches (one inactive, one with no caseload); clients
    with and without sessions of every status, recent and old, notes to
    write (overdue or not) and waiting for co-sign; check-ins in this month
    and the one before; flags of each status, resolved lately or long ago;
    quiet relationships with and without attempts to reach them;
    relationships closed and reassigned; plans never, lately or long ago
    agreed; steps suggested by coaches and clients; private requests handled
    or not, one coach moved to another team since (their requests stay with
    the team they were made to); episodes open, discharged for each reason,
    in each month."""
    rng = random.Random(seed)
    teams = [team, Team.objects.create(name=f"East {seed}"), Team.objects.create(name="West")]
    coaches = [
        User.objects.create(
            email=f"c{seed}-{n}@example.org",
            display_name=f"{rng.choice(['Al', 'Bea', '<b>Cy</b>'])} {n}",
            role=Role.COACH,
            team=teams[n % 3],
            is_active=n != 4,
        )
        for n in range(9)
    ]
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    housing = area()
    # Each coach's sessions an hour and a minute apart within their day: never double-booked.
    slots = {coach.pk: iter(range(1000)) for coach in coaches}
    for n in range(70):
        person = User.objects.create(
            email=f"p{seed}-{n}@example.org", display_name=f"Client {n}", role=Role.CLIENT
        )
        first = rng.choice(coaches[:8])  # the last coach has nobody
        started = NOW - timedelta(
            days=rng.choice([3, 13, 15, 20, 40, 200]), hours=rng.randrange(24)
        )
        assignments = [
            CaseloadAssignment.objects.create(coach=first, client=person, started_at=started)
        ]
        if rng.random() < 0.25:  # closed, then maybe taken by another coach
            CaseloadAssignment.objects.filter(pk=assignments[0].pk).update(
                ended_at=started + timedelta(hours=5)
            )
            if rng.random() < 0.7:
                assignments.append(
                    CaseloadAssignment.objects.create(
                        coach=rng.choice(coaches[:8]),
                        client=person,
                        started_at=started + timedelta(hours=6),
                    )
                )
        plan_state = rng.choice(["none", "draft", "old", "recent"])
        if plan_state != "none":
            plan = Plan.objects.create(client=person, created_by=first)
            agreed = {"draft": None, "old": NOW - timedelta(days=120), "recent": NOW}[plan_state]
            Plan.objects.filter(pk=plan.pk).update(last_agreed_at=agreed)
            goal = Goal.objects.create(plan=plan, area=housing, created_by=first, updated_by=first)
            for _ in range(rng.randrange(4)):
                Step.objects.create(
                    goal=goal,
                    who="client",
                    suggested_by=rng.choice(["coach", "coach", "client"]),
                    coach=rng.choice(coaches),
                    state=rng.choice(Step.State.values),
                    created_by=first,
                    updated_by=first,
                    created_at=NOW - timedelta(days=rng.choice([1, 50, 89, 91, 200])),
                )
        for assignment in assignments:
            coach = assignment.coach
            for _ in range(rng.choice([0, 1, 3, 6])):
                CheckIn.objects.create(
                    assignment=assignment,
                    client=person,
                    coach=coach,
                    created_at=NOW - timedelta(days=rng.choice([1, 10, 29, 31, 45, 59, 61, 90])),
                    **{name: rng.randrange(0, 11) for name in ITEMS},
                )
            for rule, status in zip(
                TrustFlag.Rule.values,
                rng.sample(list(TrustFlag.Status.values) * 2, rng.randrange(0, 4)),
                strict=False,
            ):
                TrustFlag.objects.create(
                    assignment=assignment,
                    client=person,
                    coach=coach,
                    rule=rule,
                    detail="score 40",
                    status=status,
                    resolved_at=NOW - timedelta(days=rng.choice([1, 29, 31, 60]))
                    if status == "resolved"
                    else None,
                )
            for _ in range(rng.choice([0, 0, 1, 2, 4])):
                starts = NOW - timedelta(
                    days=rng.choice([-3, 1, 5, 13, 15, 29, 31, 60]),
                    minutes=61 * next(slots[coach.pk]),
                )
                status = rng.choice(["completed", "completed", "no_show", "cancelled", "scheduled"])
                note_state = (
                    rng.choice(["to_write", "awaiting_cosign", "none", "signed"])
                    if status in ("completed", "no_show")
                    else "none"
                )
                Session.objects.create(
                    coach=coach,
                    client=person,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=rng.choice([30, 60])),
                    modality="phone",
                    status=status,
                    created_by=coach,
                    note_state=note_state,
                    cancelled_at=NOW if status == "cancelled" else None,
                )
            for _ in range(rng.choice([0, 0, 1, 2])):
                OutreachAttempt.objects.create(
                    client=person,
                    coach=coach,
                    channel="phone",
                    outcome=rng.choice(["reached", "no_answer", "left_message"]),
                    at=NOW - timedelta(days=rng.choice([1, 10, 13, 15, 30])),
                )
            if rng.random() < 0.3:
                SupervisorRequest.objects.create(
                    client=person,
                    coach=coach,
                    team=coach.team,
                    handled_at=NOW if rng.random() < 0.4 else None,
                )
        intake = NOW.date() - timedelta(days=rng.randrange(0, 200))
        if rng.random() < 0.7:
            discharged = rng.random() < 0.5
            Episode.objects.create(
                client=person,
                intake_date=intake,
                referral_source=source,
                opened_by=first,
                discharge_date=min(intake + timedelta(days=rng.randrange(0, 70)), NOW.date())
                if discharged
                else None,
                discharge_reason=rng.choice(Episode.DischargeReason.values) if discharged else "",
                discharged_by=first if discharged else None,
            )
    # A coach moved to the supervisor's team: the requests made before stay
    # with the team they were made to.
    User.objects.filter(pk=coaches[3].pk).update(team=team)
    # Made by plain inserts: the figures come from history, as the nightly
    # check would write them.
    figures_repair()
    assert not figures_drift().any


def _reference(viewer: User, now: datetime = NOW) -> dict:
    return {
        row["coach"].pk: {
            **{key: value for key, value in row.items() if key != "coach"},
            "name": row["coach"].display_name,
            "team": row["coach"].team.name if row["coach"].team else None,
            "suggestions": {
                "suggested": row["suggestions"]["suggested"],
                "tried": row["suggestions"]["tried"],
            },
        }
        for row in team_dashboard(viewer, now)
    }


def _statement(viewer: User, now: datetime = NOW) -> dict:
    rows, _ = team_dashboard_rows(viewer, now, reviewed_coach_ids(viewer))
    return {row.pop("coach_id"): row for row in rows}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seed", "zone"), [(1, "UTC"), (2, "America/New_York"), (3, "Pacific/Auckland")]
)
def test_it_gives_supervisors_and_admins_what_the_orm_selectors_give(
    seed, zone, settings, team, supervisor, admin_user, coach, client_user
):
    """Whatever the organisation's calendar: its days split the 30-day
    windows, so sessions and check-ins near midnight fall on either side."""
    settings.TIME_ZONE = zone
    with time_machine.travel(NOW, tick=False):
        _organisation(seed, team, supervisor)
        other = User.objects.create(
            email="sup2@example.org",
            display_name="Sup Two",
            role=Role.SUPERVISOR,
            team=Team.objects.get(name="West"),
        )
        for viewer in (supervisor, admin_user, other):
            viewer.refresh_from_db()
            found, expected = _statement(viewer), _reference(viewer)
            assert found == expected, viewer
            # An admin's panel counts every active relationship; a supervisor's, their coaches'.
            panel = None if reviews_every_team(viewer) else reviewed_coach_ids(viewer)
            for months in (1, 3, 7):
                figures = episode_month_rows(panel, NOW.date(), months)
                assert figures == episode_month_figures(viewer, months=months, today=NOW.date())
    # The organisation was varied enough to mean something.
    rows = list(_statement(admin_user).values())
    assert len(rows) == 10
    for key in ("quiet_clients", "quiet_attempts", "notes_overdue", "notes_waiting",
                "no_shows_30", "open_flags", "resolved_flags_30", "plans_review_due",
                "plans_not_agreed"):  # fmt: skip
        assert any(row[key] for row in rows), key
    assert {row["trust_direction"] for row in rows} >= {"up", "down"}
    assert any(row["open_requests"] for row in _statement(supervisor).values())
    months = episode_month_rows(None, NOW.date(), 6)
    assert all(month["active"] for month in months) and any(m["discharged"] for m in months)


@pytest.mark.django_db
def test_it_says_what_the_orm_selectors_say_with_figures_kept_by_the_services_alone(
    settings, team, supervisor, admin_user
):
    """Ten weeks of a team's work through the real services (contacts
    logged, no-shows closed, check-ins, attempts that reached a client or
    not, a plan agreed), New York's calendar: no repair, and the page says
    what history says."""
    settings.TIME_ZONE = "America/New_York"
    clock_start = NOW - timedelta(days=75, hours=5)
    with time_machine.travel(clock_start, tick=False) as clock:
        coaches = [
            make_user(f"k{n}@example.org", Role.COACH, name=f"Coach {n}", team=team)
            for n in range(2)
        ]
        people = [make_user(f"q{n}@example.org", Role.CLIENT, name=f"Person {n}") for n in range(4)]
        for n, person in enumerate(people):
            assignment_create(actor=supervisor, coach=coaches[n % 2], client=person)
        plan_with(coaches[0], people[0])
        agree(coaches[0], people[0])
        rng = random.Random(7)
        for step in range(40):
            clock.shift(timedelta(hours=rng.choice([31, 43, 47, 53])))
            person = people[step % 3]  # the last person is never reached: quiet
            coach = coaches[people.index(person) % 2]
            choice = rng.choice(["contact", "contact", "no_show", "checkin", "reached", "missed"])
            if choice == "contact":
                past_contact(coach, person, timedelta(hours=rng.randrange(1, 20)))
            elif choice == "no_show":
                session = session_schedule(
                    actor=coach, client=person, starts_at=timezone.now() + timedelta(hours=1),
                    duration=timedelta(hours=1), modality="phone",
                )  # fmt: skip
                clock.shift(timedelta(hours=1, minutes=20))
                session_close(actor=coach, session=session, status=Session.Status.NO_SHOW)
            elif choice == "checkin":
                with contextlib.suppress(ValidationError):  # once a week at most
                    _submit(person, answers=rng.choice([LOW, dict.fromkeys(ITEMS, 9)]))
            else:
                # Attempts that missed go to the one never reached.
                target = person if choice == "reached" else people[-1]
                outreach_attempt_log(
                    actor=coaches[people.index(target) % 2],
                    client=target,
                    channel="phone",
                    outcome="reached" if choice == "reached" else "no_answer",
                )
        now = timezone.now()
        assert not figures_drift().any  # kept by the services alone
        for viewer in (supervisor, admin_user):
            viewer.refresh_from_db()
            assert _statement(viewer, now) == _reference(viewer, now), viewer
        rows = [
            row for row in _statement(admin_user, now).values() if row["name"].startswith("Coach")
        ]
    assert sum(row["completed_30"] for row in rows) and sum(row["no_shows_30"] for row in rows)
    assert sum(row["quiet_clients"] for row in rows) and sum(row["quiet_attempts"] for row in rows)
    assert any(row["trust_mean"] is not None for row in rows)


def _grow(team: Team, count: int) -> None:
    """`count` coaches in the team, each with a client, a session, a
    check-in, a flag, a private request and an episode."""
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    for index in range(count):
        coach = User.objects.create(
            email=f"grown-coach{index}@example.org",
            display_name=f"Grown coach {index}",
            role=Role.COACH,
            team=team,
        )
        person = User.objects.create(
            email=f"grown{index}@example.org", display_name=f"Grown {index}", role=Role.CLIENT
        )
        assignment = CaseloadAssignment.objects.create(coach=coach, client=person)
        starts = datetime.now(UTC) - timedelta(days=2, hours=index)
        Session.objects.create(
            coach=coach, client=person, starts_at=starts, ends_at=starts + timedelta(hours=1),
            modality="phone", status="completed", created_by=coach, note_state="to_write",
        )  # fmt: skip
        CheckIn.objects.create(
            assignment=assignment, client=person, coach=coach, **dict.fromkeys(ITEMS, 3)
        )
        TrustFlag.objects.create(
            assignment=assignment, client=person, coach=coach, rule="low_score", detail="x"
        )
        SupervisorRequest.objects.create(client=person, coach=coach, team=team)
        Episode.objects.create(
            client=person, intake_date=starts.date(), referral_source=source, opened_by=coach
        )


@pytest.mark.django_db
def test_the_page_runs_the_same_few_statements_with_1_or_61_coaches(
    client, supervisor, admin_user, coach, client_user, team
):
    """Past 50 coaches the table pages: each page runs what the first page
    with one coach ran, in the name order and sorted by a figure."""
    url = reverse("coaching:team_dashboard")
    expected = {supervisor: DASHBOARD_STATEMENTS, admin_user: ADMIN_DASHBOARD_STATEMENTS}
    for viewer in (supervisor, admin_user):
        sign_in(client, viewer)
        client.get(url)  # the first request of a login records the session
        small, response = count_queries(client.get, url)
        assert response.status_code == 200
        assert small == expected[viewer], viewer
    _grow(team, 60)
    for viewer in (supervisor, admin_user):
        sign_in(client, viewer)
        client.get(url)
        names = set()
        for query, rows in [({}, 50), ({"page": 2}, 11), ({"sort": "-open_flags", "page": 2}, 11)]:
            large, response = count_queries(client.get, url, query)
            assert response.status_code == 200
            assert len(response.context["rows"]) == rows, (viewer, query)
            assert large == expected[viewer], (viewer, query)
            if "sort" not in query:
                names |= {row["name"] for row in response.context["rows"]}
        assert len(names) == 61 and "Grown coach 59" in names


@pytest.mark.django_db
def test_the_statement_keeps_its_generic_plan(client, supervisor, coach, client_user, team):
    """PostgreSQL plans it once per connection and keeps that plan, instead of
    re-planning it (about 5 ms) on every request."""
    _grow(team, 5)
    sign_in(client, supervisor)
    for _ in range(8):
        assert client.get(reverse("coaching:team_dashboard")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%WITH coach AS MATERIALIZED%"],
        )
        ((generic, custom),) = cursor.fetchall()
    assert generic + custom >= 8
    assert custom <= 5  # the five custom plans PostgreSQL tries before its generic one
    assert generic >= 3


@pytest.mark.django_db
def test_names_are_escaped_and_link_to_each_coachs_page(client, supervisor, coach, admin_user):
    User.objects.filter(pk=coach.pk).update(display_name="<i>Casey</i>")
    sign_in(client, admin_user)
    page = client.get(reverse("coaching:team_dashboard")).content.decode()
    assert "&lt;i&gt;Casey&lt;/i&gt;" in page and "<i>Casey" not in page
    assert f'href="{reverse("coaching:coach_detail", args=[coach.pk])}"' in page
    assert f"({coach.team.name})" in page  # an admin sees each coach's team
