"""The client timeline (a client's page for their coach and supervisor) from
one prepared statement (coaching/selectors/timeline_sql.py), held equal to
the ORM selector it replaced, which stays as the reference:
coaching.selectors.homes.client_for_viewing and client_timeline."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.urls import reverse

from accounts.models import AuditEvent, CaseloadAssignment, Role, Team, User
from coaching.models import CheckIn, Goal, Plan, Step, TrustFlag
from coaching.selectors.homes import client_for_viewing, client_timeline
from coaching.selectors.timeline_sql import _allowed, timeline_rows
from sessions_log.models import Note, Session
from tests.helpers import area, count_queries, past_contact, sign_in

# What the timeline costs, whatever the client's history: the session and
# its person (1), the policy's relationships with the client (1), the audit
# row (1), the prepared statement (1). It was 7: the client, the sessions,
# the check-ins, the flags and the plan's steps each had their own.
TIMELINE_STATEMENTS = 4

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
ITEMS = ("heard", "safe", "focus", "trust", "helping")


def _organisation(seed: int, coach: User, supervisor: User) -> tuple[list[User], list[User]]:
    """Two teams; clients with and without sessions (of every status, with
    no note, a draft or a signed one, some at the same instant), check-ins
    (more than the panel shows, some at the same instant, with and without
    comments), flags of every status (more than the panel lists), plans
    with steps suggested by the coach or the client in every state;
    relationships closed and handed to another coach or team (the old
    one's check-ins and flags stay behind); an inactive coach. Returns the
    viewers and the clients."""
    rng = random.Random(seed)
    east = Team.objects.create(name=f"East {seed}")
    coaches = [coach] + [
        User.objects.create(
            email=f"coach{seed}-{n}@example.org",
            display_name=f"Coach <{n}>",
            role=Role.COACH,
            team=coach.team if n < 3 else east,
            is_active=n != 4,
        )
        for n in range(1, 6)
    ]
    east_supervisor = User.objects.create(
        email=f"sup{seed}@example.org", display_name="East sup", role=Role.SUPERVISOR, team=east
    )
    admin = User.objects.create(
        email=f"admin{seed}@example.org", display_name="Admin", role=Role.ADMIN
    )
    lead = area()
    clients = []
    slot = iter(range(100_000))
    for n in range(14):
        person = User.objects.create(
            email=f"client{seed}-{n}@example.org",
            display_name=f"<b>Client</b> {n}",
            role=Role.CLIENT,
            language="es" if n % 3 == 0 else "en",  # not from rng: the same data as before
        )
        clients.append(person)
        first = coach if n < 7 else rng.choice(coaches)
        started = NOW - timedelta(days=rng.choice([20, 200]))
        assignments = [
            CaseloadAssignment.objects.create(coach=first, client=person, started_at=started)
        ]
        if n % 4 == 3:  # handed over to another coach, maybe of another team
            CaseloadAssignment.objects.filter(pk=assignments[0].pk).update(ended_at=NOW)
            assignments.append(
                CaseloadAssignment.objects.create(
                    coach=rng.choice(coaches), client=person, started_at=NOW
                )
            )
        elif n % 7 == 6:  # closed, no coach now
            CaseloadAssignment.objects.filter(pk=assignments[0].pk).update(ended_at=NOW)
        for assignment in assignments:
            tie = NOW - timedelta(days=rng.randrange(1, 30))
            for _ in range(rng.choice([0, 1, 5, 15])):
                CheckIn.objects.create(
                    assignment=assignment,
                    client=person,
                    coach=assignment.coach,
                    created_at=tie
                    if rng.random() < 0.3
                    else NOW - timedelta(hours=rng.randrange(900)),
                    comment=rng.choice(["", "", "felt <heard>\nreally"]),
                    **{name: rng.randrange(0, 11) for name in ITEMS},
                )
            for rule in rng.sample(list(TrustFlag.Rule.values), rng.randrange(0, 4)):
                status = rng.choice(["open", "acknowledged"])
                TrustFlag.objects.create(
                    assignment=assignment,
                    client=person,
                    coach=assignment.coach,
                    rule=rule,
                    detail="score 40",
                    status=status,
                    raised_at=tie,
                    acknowledged_by=assignment.coach if status == "acknowledged" else None,
                )
            for _ in range(rng.choice([0, 2, 23])):
                TrustFlag.objects.create(
                    assignment=assignment,
                    client=person,
                    coach=assignment.coach,
                    rule=rng.choice(TrustFlag.Rule.values),
                    detail="score 30",
                    status="resolved",
                    raised_at=tie
                    if rng.random() < 0.3
                    else NOW - timedelta(hours=rng.randrange(900)),
                    resolved_at=NOW,
                    resolved_by=supervisor,
                    resolution_note="talked it <through>",
                )
            sessions = rng.choice([0, 1, 3, 30, 60]) if n else 0
            # Each coach's first session with the client at the same instant
            # (a coach is never booked twice at once); the rest on a grid.
            tied = assignment is assignments[0] or assignment.coach_id != assignments[0].coach_id
            for number in range(sessions):
                if number == 0 and tied:
                    starts = NOW - timedelta(days=800, hours=n * 5)
                else:
                    starts = NOW - timedelta(hours=next(slot) * 5)
                status = rng.choice(Session.Status.values)
                session = Session.objects.create(
                    coach=assignment.coach,
                    client=person,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=rng.choice([30, 60, 95])),
                    modality="phone",
                    status=status,
                    created_by=assignment.coach,
                    cancelled_at=NOW if status == "cancelled" else None,
                )
                note = rng.choice(["none", "draft", "signed"])
                if note != "none":
                    Note.objects.create(
                        session=session,
                        author=assignment.coach,
                        signed_at=NOW if note == "signed" else None,
                    )
        if n % 3:
            plan = Plan.objects.create(client=person, created_by=first)
            goal = Goal.objects.create(
                plan=plan, area=lead, words="Home", created_by=first, updated_by=first
            )
            for _ in range(rng.randrange(0, 6)):
                Step.objects.create(
                    goal=goal,
                    action="Call",
                    who=Step.Who.CLIENT,
                    suggested_by=rng.choice(Step.SuggestedBy.values),
                    state=rng.choice(Step.State.values),
                    created_by=first,
                    updated_by=first,
                )
    viewers = coaches + [supervisor, east_supervisor, admin]
    return viewers, clients


def _reference(viewer: User, pk: int, page):
    try:
        client = client_for_viewing(viewer, pk)
    except Http404:
        return None
    found = client_timeline(viewer, client, page)
    return {
        "name": client.display_name,
        "language": client.language,
        "number": found["page"].number,
        "has_next": found["page"].has_next,
        "sessions": [
            (
                s.pk,
                s.starts_at,
                s.ends_at,
                s.status,
                s.coach.display_name,
                ("signed" if s.note.signed_at else "draft") if hasattr(s, "note") else None,
            )
            for s in found["page"].object_list
        ],
        "checkins": [
            (c.created_at, c.score, [value for _, value in c.answers()], c.comment)
            for c in found["checkins"]
        ],
        "flags": [
            (
                f.pk,
                f.rule,
                f.detail,
                f.status,
                f.raised_at,
                f.acknowledged_by.display_name if f.acknowledged_by else None,
                f.resolved_by.display_name if f.resolved_by else None,
                f.resolution_note,
            )
            for f in found["flags"]
        ],
        "steps": found["steps"],
    }


def _statement(viewer: User, pk: int, page):
    allowed = _allowed(viewer, pk)
    if allowed is None:
        return None
    ids, name, language = allowed
    found = timeline_rows(viewer, pk, ids, page)
    return {
        "name": name,
        "language": language,
        "number": found["number"],
        "has_next": len(found["sessions"]) > 25,
        "sessions": [
            (s["pk"], s["starts_at"], s["ends_at"], s["status"], s["coach"], s["note"])
            for s in found["sessions"][:25]
        ],
        "checkins": [
            (c["created_at"], c["score"], c["answers"], c["comment"]) for c in found["checkins"]
        ],
        "flags": [
            (
                f["pk"],
                f["rule"],
                f["detail"],
                f["status"],
                f["raised_at"],
                f["acknowledged_by"],
                f["resolved_by"],
                f["resolution_note"],
            )
            for f in found["flags"]
        ],
        "steps": found["steps"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_it_gives_every_viewer_what_the_orm_selector_gives(coach, supervisor, seed):
    """Coaches (theirs, a colleague's, another team's, an inactive one), the
    team's supervisor, another team's and an admin, on every client: the
    same 404s, the same sessions page, check-ins, flags and steps."""
    with time_machine.travel(NOW, tick=False):
        viewers, clients = _organisation(seed, coach, supervisor)
        shown = 0
        for viewer in viewers:
            for person in clients:
                for page in [1, 2, 3, "x", -4, 99]:
                    expected = _reference(viewer, person.pk, page)
                    assert _statement(viewer, person.pk, page) == expected, (viewer, person, page)
                    shown += expected is not None
    assert shown
    # The organisation was varied enough to mean something.
    mine = [found for person in clients[:7] if (found := _statement(coach, person.pk, 1))]
    assert any(found["has_next"] for found in mine)
    assert any(len(found["flags"]) == 20 for found in mine)
    assert any(len(found["checkins"]) == 12 for found in mine)
    assert {s[5] for found in mine for s in found["sessions"]} == {None, "draft", "signed"}
    assert _statement(viewers[-1], clients[0].pk, 1) is None  # the admin


def _grow(coach, client, size: int, start: int = 0) -> None:
    assignment = CaseloadAssignment.objects.get(client=client, ended_at__isnull=True)
    for number in range(start, start + size):
        session = past_contact(coach, client, timedelta(days=1, hours=number * 2))
        CheckIn.objects.create(
            assignment=assignment,
            client=client,
            coach=coach,
            comment=f"Week {number}",
            **dict.fromkeys(ITEMS, 6),
        )
        if number % 2:
            Note.objects.create(session=session, author=coach)
        TrustFlag.objects.create(
            assignment=assignment,
            client=client,
            coach=coach,
            rule="low_score",
            detail="x",
            status="resolved",
            resolved_at=NOW,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor"])
def test_the_page_runs_the_same_few_statements_with_1_or_50_sessions(
    client, coach, supervisor, client_user, who
):
    sign_in(client, {"coach": coach, "supervisor": supervisor}[who])
    url = reverse("coaching:client_timeline", args=[client_user.pk])
    _grow(coach, client_user, 1)
    client.get(url)  # the first request of a login records the session
    small, response = count_queries(client.get, url)
    assert response.status_code == 200
    _grow(coach, client_user, 49, start=1)
    large, response = count_queries(client.get, url)
    html = response.content.decode()
    assert html.count("Missing") + html.count("Draft") == 25 and "Week 49" in html
    assert small == large == TIMELINE_STATEMENTS


@pytest.mark.django_db
def test_the_statement_is_prepared_once_per_connection(client, coach, client_user):
    """PostgreSQL plans it once per connection, not on every request."""
    sign_in(client, coach)
    for _ in range(7):
        assert (
            client.get(reverse("coaching:client_timeline", args=[client_user.pk])).status_code
            == 200
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%allowed AS (SELECT EXISTS%"],
        )
        (executions,) = cursor.fetchone()
    assert executions >= 7


@pytest.mark.django_db
def test_a_client_the_viewer_may_not_see_is_a_404_and_audited_as_such(
    client, coach, other_client, client_user
):
    """45 CFR 164.312(b): a refused read is logged (record.not_found), and
    nothing of the client is shown or recorded as viewed."""
    sign_in(client, coach)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for pk in (other_client.pk, 10**15, coach.pk):
        response = client.get(reverse("coaching:client_timeline", args=[pk]))
        assert response.status_code == 404
    events = AuditEvent.objects.filter(pk__gt=before)
    assert set(events.values_list("action", flat=True)) == {"record.not_found"}
    assert not AuditEvent.objects.filter(AuditEvent.about(other_client.pk)).exists()


@pytest.mark.django_db
def test_the_page_shows_and_audits_the_client_once(client, coach, client_user):
    """45 CFR 164.312(b): one event per view, about the client shown; names
    and comments are escaped."""
    User.objects.filter(pk=client_user.pk).update(display_name="<i>Robin</i>")
    _grow(coach, client_user, 2)
    CheckIn.objects.filter(client=client_user).update(comment="<script>x</script>")
    sign_in(client, coach)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    html = client.get(reverse("coaching:client_timeline", args=[client_user.pk])).content.decode()
    assert "&lt;i&gt;Robin&lt;/i&gt;" in html and "<i>Robin" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    (event,) = AuditEvent.objects.filter(pk__gt=before)
    assert (event.action, event.client_id) == ("client.view", client_user.pk)
    assert list(AuditEvent.objects.filter(AuditEvent.about(client_user.pk), pk__gt=before)) == [
        event
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999", "3"])
def test_a_bad_page_number_shows_the_first_page(client, coach, client_user, page):
    _grow(coach, client_user, 30)
    sign_in(client, coach)
    response = client.get(
        reverse("coaching:client_timeline", args=[client_user.pk]), {"page": page}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Page 1" in html and html.count("Missing") + html.count("Draft") == 25


@pytest.mark.django_db
def test_dates_are_in_the_viewers_time_zone(client, coach, client_user):
    """A session at 20:00 UTC on 31 Dec is on Thu 1 Jan, 09:00 in Auckland;
    a check-in then was on 1 Jan 2026 there."""
    starts = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    Session.objects.create(
        coach=coach,
        client=client_user,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        modality="phone",
        status="completed",
        created_by=coach,
    )
    CheckIn.objects.create(
        assignment=CaseloadAssignment.objects.get(client=client_user),
        client=client_user,
        coach=coach,
        created_at=starts,
        comment="ok",
        **dict.fromkeys(ITEMS, 8),
    )
    User.objects.filter(pk=coach.pk).update(time_zone="Pacific/Auckland")
    sign_in(client, coach)
    html = client.get(reverse("coaching:client_timeline", args=[client_user.pk])).content.decode()
    assert '<time datetime="2026-01-01T09:00:00+13:00">Thu 1 Jan, 09:00</time>–09:45' in html
    assert "1 Jan 2026 · score 80" in html
