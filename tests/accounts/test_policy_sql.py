"""accounts/policy/sql.py states the relationship rules in SQL for the pages'
prepared statements: for every kind of viewer, over a varied organisation,
each SQL condition gives exactly what its Q gives (45 CFR 164.502(b),
164.514(d): a page shows a person only the clients the one rule allows)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import CaseloadAssignment, Invitation, Role, Team, User
from accounts.policy import (
    held_relationship_scope,
    invitation_scope,
    relationship_scope,
    reviewable_coach_scope,
    reviewable_relationship_scope,
    team_scope,
)
from accounts.policy.records import note_author_scope, note_scope, session_scope
from accounts.policy.sql import (
    NOTHING,
    client_condition,
    held_relationship_condition,
    invitation_condition,
    note_author_condition,
    note_condition,
    relationship_condition,
    relationship_rows,
    reviewable_coach_condition,
    reviewable_relationship_condition,
    team_condition,
    visible_client_ids,
    without_client_row,
)
from accounts.selectors import invitations_visible_to, newest_invitations_visible_to
from sessions_log.models import Note, Session
from tests.conftest import make_user
from tests.helpers import varied_organisation

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

RULES = [
    (relationship_scope, relationship_condition),
    (reviewable_relationship_scope, reviewable_relationship_condition),
    (held_relationship_scope, held_relationship_condition),
]


def _ids(table: str, alias: str, condition: tuple[str, dict]) -> list[int]:
    text, params = condition
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {alias}.id FROM {table} WHERE {text} ORDER BY 1", params)  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def every_kind_of_viewer(people, coach, supervisor, admin_user) -> list[User]:
    """Each kind of viewer of a varied organisation's records (also the
    note autosave's tests, tests/sessions_log/test_note_draft_sql.py)."""
    teamless = make_user("teamless@example.org", Role.SUPERVISOR)
    gone = {
        role: make_user(
            f"gone-{role}@example.org", role, team=None if role == Role.ADMIN else coach.team
        )
        for role in (Role.COACH, Role.SUPERVISOR, Role.ADMIN)
    }
    User.objects.filter(pk__in=[p.pk for p in gone.values()]).update(is_active=False)
    for person in gone.values():
        person.refresh_from_db()
    # A coach of the team made one of its supervisors: their clients are
    # no longer a coach's (the rule asks the coach's role), their past is
    # still the team's.
    turned = people["coaches"][3]
    User.objects.filter(pk=turned.pk).update(role=Role.SUPERVISOR)
    turned.refresh_from_db()
    assert turned.team_id == coach.team_id
    assert CaseloadAssignment.objects.filter(coach=turned, ended_at__isnull=True).exists()
    return [
        *people["coaches"],  # theirs, colleagues', other teams', an inactive one
        supervisor,
        people["east"],
        teamless,
        admin_user,
        people["clients"][0],
        *gone.values(),
        turned,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_each_sql_rule_gives_every_viewer_what_its_q_gives(coach, supervisor, admin_user, seed):
    people = varied_organisation(seed, coach, supervisor, NOW)
    seen = {rule.__name__: set() for rule, _ in RULES}
    for viewer in every_kind_of_viewer(people, coach, supervisor, admin_user):
        for rule, condition in RULES:
            expected = sorted(
                CaseloadAssignment.objects.filter(rule(viewer)).values_list("pk", "client_id")
            )
            assert relationship_rows("a.id, a.client_id", condition(viewer)) == expected, (
                rule.__name__,
                viewer,
            )
            if expected:
                seen[rule.__name__].add(viewer.role)
        invitations = _ids("accounts_invitation i", "i", invitation_condition(viewer))
        expected = Invitation.objects.filter(invitation_scope(viewer)).order_by("pk")
        assert invitations == [i.pk for i in expected], viewer
        coaches = _ids("accounts_user k", "k", reviewable_coach_condition(viewer))
        expected = list(
            User.objects.filter(reviewable_coach_scope(viewer)).order_by("pk").values_list("pk")
        )
        assert coaches == [pk for (pk,) in expected], viewer
        teams = _ids("accounts_team t", "t", team_condition(viewer))
        expected = Team.objects.filter(team_scope(viewer)).order_by("pk")
        assert teams == list(expected.values_list("pk", flat=True)), viewer
    # The organisation was varied enough to mean something: each rule gives
    # rows to the roles it is for, and the ended relationships are in it.
    assert seen == {
        "relationship_scope": {Role.COACH, Role.SUPERVISOR},
        "reviewable_relationship_scope": {Role.SUPERVISOR, Role.ADMIN},
        "held_relationship_scope": {Role.SUPERVISOR, Role.ADMIN},
    }
    assert CaseloadAssignment.objects.filter(ended_at__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_each_relationship_rule_with_the_client_checked_in_the_staff_index_is_the_same(
    coach, supervisor, admin_user, seed
):
    """without_client_row states "a client" as "not in the staff's index":
    each relationship rule gives the same relationships for every kind of
    viewer, a relationship whose "client" is staff (a coach made one here)
    left out as the rule leaves it out; visible_client_ids gives
    relationship_scope's clients."""
    people = varied_organisation(seed, coach, supervisor, NOW)
    staff_as_client = make_user("staff-client@example.org", Role.COACH, team=coach.team)
    CaseloadAssignment.objects.create(coach=coach, client=staff_as_client)
    seen = set()
    for viewer in every_kind_of_viewer(people, coach, supervisor, admin_user):
        for rule, condition in RULES:
            expected = sorted(
                CaseloadAssignment.objects.filter(rule(viewer)).values_list("pk", "client_id")
            )
            text, params = without_client_row(condition(viewer))
            assert "c." not in text
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT a.id, a.client_id FROM accounts_caseloadassignment a"  # noqa: S608
                    f" JOIN accounts_user k ON k.id = a.coach_id WHERE {text} ORDER BY 1",
                    params,
                )
                assert cursor.fetchall() == expected, (rule.__name__, viewer)
            assert staff_as_client.pk not in {client for _, client in expected}
        clients = sorted(
            {
                client
                for _, client in relationship_rows(
                    "a.id, a.client_id", relationship_condition(viewer)
                )
            }
        )
        text, params = visible_client_ids(viewer)
        found = []  # NOTHING: no statement to run
        if (text, params) != NOTHING:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT DISTINCT client_id FROM ({text}) v ORDER BY 1", params)  # noqa: S608
                found = [pk for (pk,) in cursor.fetchall()]
        assert found == clients, viewer
        seen.add(bool(found))
    assert seen == {True, False}


_NOTES = "sessions_log_note n JOIN sessions_log_session s ON s.id = n.session_id"


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_each_note_rule_in_sql_gives_every_viewer_what_its_q_gives(
    coach, supervisor, admin_user, seed
):
    """The autosave's statement reads its note through these (45 CFR
    164.502(b)): the sessions whose client a viewer sees, the notes they
    read (signed ones of the clients they see, drafts only their author's
    and that coach's team's supervisors'), the notes they write in."""
    people = varied_organisation(seed, coach, supervisor, NOW)
    seen = {"session_scope": set(), "note_scope": set(), "note_author_scope": set()}
    read_not_written = drafts_read_by_others = 0
    # A client who has signed notes reads them.
    signed = Note.objects.filter(signed_at__isnull=False).select_related("session__client")
    viewers = [
        *every_kind_of_viewer(people, coach, supervisor, admin_user),
        signed[0].session.client,
    ]
    for viewer in viewers:
        sessions = _ids("sessions_log_session s", "s", client_condition(viewer, "s.client_id"))
        expected = list(Session.objects.filter(session_scope(viewer)).order_by("pk"))
        assert sessions == [s.pk for s in expected], viewer
        read = _ids(_NOTES, "n", note_condition(viewer))
        expected = list(Note.objects.filter(note_scope(viewer)).order_by("pk"))
        assert read == [n.pk for n in expected], viewer
        written = _ids(_NOTES, "n", note_author_condition(viewer))
        assert written == sorted(
            Note.objects.filter(note_author_scope(viewer)).values_list("pk", flat=True)
        ), viewer
        for rule, found in (
            ("session_scope", sessions),
            ("note_scope", read),
            ("note_author_scope", written),
        ):
            if found:
                seen[rule].add(viewer.role)
        read_not_written += len(set(read) - set(written)) if viewer.role == Role.COACH else 0
        drafts_read_by_others += sum(
            1 for n in expected if n.signed_at is None and n.author_id != viewer.pk
        )
    assert seen == {
        "session_scope": {Role.COACH, Role.SUPERVISOR, Role.CLIENT},
        "note_scope": {Role.COACH, Role.SUPERVISOR, Role.CLIENT},
        "note_author_scope": {Role.COACH},
    }
    # A successor coach reads an earlier coach's signed notes and writes in
    # none of them; a supervisor reads their team's drafts.
    assert read_not_written and drafts_read_by_others


@pytest.mark.django_db
def test_the_newest_invitations_are_those_the_orm_list_gives(coach, other_coach, admin_user):
    """The coach's home lists its invitations by one statement: the same
    invitations, newest first, with the same status, as the policy's list."""
    moment = timezone.now()
    for n in range(25):
        Invitation.objects.create(
            email=f"invited{n}@example.org",
            role=Role.CLIENT,
            coach=coach if n % 3 else other_coach,
            invited_by=coach if n % 3 else other_coach,
            token_digest=f"{n:064d}",
            # Some sent at the same moment; some accepted, revoked, expired.
            created_at=moment - timedelta(hours=n // 2),
            expires_at=moment + timedelta(days=1 if n % 4 else -1),
            revoked_at=moment if n % 5 == 0 else None,
        )
    statuses = set()
    for viewer in (coach, other_coach, admin_user, make_user("s@example.org", Role.SUPERVISOR)):
        for shown in (1, 20):
            expected = list(invitations_visible_to(viewer)[:shown])
            found = newest_invitations_visible_to(viewer, shown)
            assert [
                (i.pk, i.email, i.get_role_display(), i.created_at, i.status) for i in found
            ] == [
                (i.pk, i.email, i.get_role_display(), i.created_at, i.status) for i in expected
            ], (viewer, shown)
            statuses |= {i.status for i in found}
    assert statuses == {"pending", "revoked", "expired"}


@pytest.mark.django_db
def test_a_rule_that_matches_nothing_asks_the_database_nothing(client_user, admin_user):
    for viewer in (client_user, admin_user):
        with CaptureQueriesContext(connection) as queries:
            assert relationship_rows("a.id", relationship_condition(viewer)) == []
        assert len(queries) == 0
