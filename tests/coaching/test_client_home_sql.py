"""The client's home from one prepared statement (coaching/selectors/
client_home_sql.py), held equal to the ORM selector it replaced, which stays
as the reference: coaching.selectors.homes.client_home_orm."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.urls import reverse

from accounts.models import AuditEvent, CaseloadAssignment, Role, User
from coaching.models import CheckIn, CheckInRequest, Consent, Recipient, Step
from coaching.selectors.client_home_sql import client_home_rows
from coaching.selectors.homes import client_home_orm
from coaching.services.consents import consent_prepare, consent_sign
from sessions_log.models import Note, Session
from tests.helpers import count_queries, plan_with, sign_in

# What the client's home costs, whatever their history: the session and its
# person (1), the prepared statement (1). It was 7: the check-in prompts, the
# consents waiting, the coach, the plan's figures, the upcoming sessions and
# the page of past ones each had their own.
CLIENT_HOME_STATEMENTS = 2

# After the fixtures' relationships began (they start at the real now).
NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
ITEMS = ("heard", "safe", "focus", "trust", "helping")


def _session(coach, client, starts, *, status="scheduled", **fields):
    return Session.objects.create(
        coach=coach,
        client=client,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        modality=fields.pop("modality", "phone"),
        status=status,
        created_by=coach,
        cancelled_at=starts if status == "cancelled" else None,
        **fields,
    )


def _consents(coach, client, rng) -> None:
    """Waiting to an organisation, to a person, the single TPO consent; one
    signed; one past its end date."""
    acme = Recipient.objects.create(name="Acme <Health>", kind=Recipient.Kind.ORGANISATION)
    common = {
        "actor": coach,
        "client": client,
        "legal_name": client.display_name,
        "purpose": "Billing",
        "information": ["service_record"],
        "information_from": date(2020, 1, 1),
        "ends_on": date(2028, 1, 1),
    }
    made = [
        consent_prepare(recipient=acme, **common),
        consent_prepare(person_name="Jamie Park", **common),
        consent_prepare(purpose_kind="tpo", **common),
        consent_prepare(recipient=acme, **common),
        consent_prepare(person_name="Sam Lee", **common),
    ]
    Consent.objects.filter(pk=made[3].pk).update(ends_on=date(2027, 3, 14))
    consent_sign(actor=client, consent=made[4], typed_name=client.display_name, confirmed=True)
    for consent in rng.sample(made[:3], 3):  # prepared in a random order
        Consent.objects.filter(pk=consent.pk).update(
            prepared_at=NOW - timedelta(minutes=rng.randrange(1000))
        )


def _history(seed: int, coach: User, client: User, other_coach: User, other_client: User):
    """The client's sessions with their coach and, for some seeds, a coach
    who took over (past and upcoming, each status, places and video links,
    notes signed with next steps, signed without, drafts); check-in requests
    open (more than the home offers), expired and answered; a plan with steps
    in each state; consents. Another client's history alongside."""
    rng = random.Random(seed)
    coaches = [coach]
    if seed % 2:
        CaseloadAssignment.objects.filter(client=client).update(ended_at=NOW - timedelta(days=30))
        taken = User.objects.create(
            email=f"new{seed}@example.org", display_name="Kim Ode Lane", role=Role.COACH
        )
        CaseloadAssignment.objects.create(
            coach=taken, client=client, started_at=NOW - timedelta(days=29)
        )
        coaches.append(taken)
    else:
        plan_with(coach, client, goals=2, steps=3)
        steps = list(Step.objects.filter(goal__plan__client=client).order_by("pk"))
        for step, state in zip(steps, rng.choices(Step.State.values, k=len(steps)), strict=True):
            Step.objects.filter(pk=step.pk).update(state=state)
        _consents(coach, client, rng)
    assignment = CaseloadAssignment.objects.get(client=client, ended_at__isnull=True)
    for person, mine in ((client, True), (other_client, False)):
        for n in range(rng.randrange(30, 40) if mine else 5):
            starts = NOW + timedelta(hours=rng.choice([-1, -1, 1]) * (n * 7 + rng.randrange(1, 6)))
            status = rng.choice(["scheduled", "completed", "no_show", "cancelled"])
            by = rng.choice(coaches) if mine else other_coach
            session = _session(
                by,
                person,
                starts,
                status=status,
                modality=rng.choice(Session.Modality.values),
                location=rng.choice(["", "Room <2>\nby the café"]),
                video_url=rng.choice(["", "https://video.example.org/r/1"]),
            )
            kind = rng.choice(["none", "draft", "signed", "signed_empty"])
            if kind != "none":
                Note.objects.create(
                    session=session,
                    author=by,
                    next_steps="" if kind == "signed_empty" else f"Call <them>\nstep {n}",
                    signed_at=NOW if kind.startswith("signed") else None,
                )
            if mine and starts < NOW and status == "completed":
                asked = CheckInRequest.objects.create(
                    session=session,
                    assignment=assignment,
                    client=client,
                    created_at=NOW - timedelta(minutes=n),
                    expires_at=NOW + timedelta(days=rng.choice([-1, 3, 3])),
                )
                if rng.random() < 0.3:
                    answer = CheckIn.objects.create(
                        assignment=assignment,
                        client=client,
                        coach=assignment.coach,
                        session=session,
                        **dict.fromkeys(ITEMS, 7),
                    )
                    CheckInRequest.objects.filter(pk=asked.pk).update(checkin=answer)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_it_gives_the_client_what_the_orm_selector_gives(
    coach, client_user, other_coach, other_client, seed
):
    with time_machine.travel(NOW, tick=False):
        _history(seed, coach, client_user, other_coach, other_client)
        for person in (client_user, other_client):
            for page in [1, 2, 3, "x", -4, 99, "2.5"]:
                assert client_home_rows(person, page) == client_home_orm(person, page), page
        mine = client_home_rows(client_user, 1)
    # The history was varied enough to mean something.
    assert len(mine["past"]) == 11 and mine["upcoming"] and mine["prompts"]
    assert {s["status"] for s in mine["past"] + mine["upcoming"]} >= {"scheduled", "completed"}
    assert any(s["next_steps"] for s in mine["past"]) and any(s["location"] for s in mine["past"])
    if seed % 2:
        assert mine["coach_name"] == "Kim Ode Lane" and mine["steps"]["open"] == 0
    else:
        assert mine["steps"]["open"] + mine["steps"]["done"] > 0
        labels = [consent["label"] for consent in mine["consents"]]
        assert sorted(labels)[:2] == ["Acme <Health>", "Jamie Park"] and len(labels) == 3


@pytest.mark.django_db
def test_a_home_without_anything_yet_is_one_row_of_nothing(client_user):
    CaseloadAssignment.objects.filter(client=client_user).delete()
    found = client_home_rows(client_user, 1)
    assert found == client_home_orm(client_user, 1)
    assert found["coach_name"] is None and found["upcoming"] == found["past"] == []


def _grow(coach, client, size: int, first: int = 0) -> None:
    """`size` past sessions with signed notes and `size` upcoming ones."""
    now = datetime.now(UTC)
    for number in range(first, first + size):
        past = _session(coach, client, now - timedelta(days=number + 1), status="completed")
        Note.objects.create(session=past, author=coach, next_steps="Walk", signed_at=now)
        _session(coach, client, now + timedelta(days=number + 1), location=f"Room {number}")


@pytest.mark.django_db
def test_the_page_runs_the_same_two_statements_with_1_or_50_sessions(client, coach, client_user):
    _grow(coach, client_user, 1)
    sign_in(client, client_user)
    url = reverse("coaching:client_home")
    client.get(url)  # the first request of a login records the session
    small, response = count_queries(client.get, url)
    assert response.status_code == 200 and "Room 0" in response.content.decode()
    _grow(coach, client_user, 49, first=1)
    large, response = count_queries(client.get, url)
    html = response.content.decode()
    assert response.status_code == 200 and "Room 48" in html
    assert html.count("Next steps we agreed") == 10  # a phone screen of past sessions
    assert small == large == CLIENT_HOME_STATEMENTS


@pytest.mark.django_db
def test_the_statement_is_prepared_once_per_connection(client, client_user):
    """PostgreSQL plans it once per connection, not on every request."""
    sign_in(client, client_user)
    for _ in range(7):
        assert client.get(reverse("coaching:client_home")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%WITH head AS MATERIALIZED%"],
        )
        (executions,) = cursor.fetchone()
    assert executions >= 7


@pytest.mark.django_db
def test_postgresql_plans_it_once_not_on_every_request(client, client_user):
    """Its generic plan, kept: left to choose, PostgreSQL re-planned this
    statement on every request (about 2 ms of planning for 0.4 ms of work;
    coaching/postgresql forces the generic plan for prepared statements)."""
    sign_in(client, client_user)
    for _ in range(8):
        assert client.get(reverse("coaching:client_home")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%WITH head AS MATERIALIZED%"],
        )
        ((generic, custom),) = cursor.fetchall()
    assert (generic, custom) == (8, 0)


@pytest.mark.django_db
def test_the_page_prints_each_session_escaped_in_the_viewers_time_zone(client, coach, client_user):
    """A session at 23:30 UTC on 31 Dec is on Friday 1 Jan in Auckland;
    what people typed is escaped; the calendar and video links are offered
    for a scheduled session only; next steps only from a signed note."""
    User.objects.filter(pk=client_user.pk).update(time_zone="Pacific/Auckland")
    later = datetime(2099, 12, 31, 23, 30, tzinfo=UTC)
    planned = _session(
        coach, client_user, later, location="<b>Hall</b>", video_url="https://v.example.org/x"
    )
    cancelled = _session(coach, client_user, later + timedelta(days=3), status="cancelled")
    done = _session(coach, client_user, datetime(2025, 3, 1, 9, 0, tzinfo=UTC), status="no_show")
    Note.objects.create(session=done, author=coach, next_steps="Rest\n<i>walk</i>", signed_at=later)
    draft = _session(coach, client_user, datetime(2025, 2, 1, 9, 0, tzinfo=UTC), status="completed")
    Note.objects.create(session=draft, author=coach, next_steps="Not yet signed")
    sign_in(client, client_user)
    html = client.get(reverse("coaching:client_home")).content.decode()
    assert '<time datetime="2100-01-01T12:30:00+13:00">Fri 1 Jan, 12:30</time>–13:15' in html
    assert "Place: &lt;b&gt;Hall&lt;/b&gt;" in html and "<b>Hall" not in html
    assert "With Casey · Phone</p>" in html and "With Casey · Phone · No-show" in html
    assert "Rest<br>&lt;i&gt;walk&lt;/i&gt;" in html and "Not yet signed" not in html
    assert reverse("sessions_log:session_ics", args=[planned.pk]) in html
    assert reverse("sessions_log:session_ics", args=[cancelled.pk]) not in html
    assert html.count("Join the video call") == 1
    assert "You are working with <strong>Casey</strong>" in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999", "7"])
def test_a_bad_page_number_shows_the_first_page(client, coach, client_user, page):
    _grow(coach, client_user, 12)
    sign_in(client, client_user)
    response = client.get(reverse("coaching:client_home"), {"page": page})
    assert response.status_code == 200
    assert "Page 1" in response.content.decode()


@pytest.mark.django_db
def test_the_second_page_shows_older_sessions(client, coach, client_user):
    _grow(coach, client_user, 12)
    sign_in(client, client_user)
    first = client.get(reverse("coaching:client_home")).content.decode()
    second = client.get(reverse("coaching:client_home"), {"page": 2}).content.decode()
    assert "Page 2" in second and "Newer" in second and "Older" in first
    assert second.count("Next steps we agreed") == 2


@pytest.mark.django_db
def test_only_the_clients_own_record_is_read(client_user, coach):
    """A client's home is theirs alone; nobody else's record is read through it."""
    with pytest.raises(Http404):
        client_home_rows(coach, 1)


@pytest.mark.django_db
def test_reading_ones_own_home_writes_no_audit_row_as_before(client, client_user):
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"))
    before = AuditEvent.objects.count()
    assert client.get(reverse("coaching:client_home")).status_code == 200
    assert AuditEvent.objects.count() == before
