"""accounts/policy/sql.py states the relationship rules in SQL for the pages'
prepared statements: for every kind of viewer, over a varied organisation,
each SQL condition gives exactly what its Q gives (45 CFR 164.502(b),
164.514(d): a page shows a person only the clients the one rule allows)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import (
    held_relationship_scope,
    relationship_scope,
    reviewable_coach_scope,
    reviewable_relationship_scope,
)
from accounts.policy.sql import (
    held_relationship_condition,
    relationship_condition,
    relationship_rows,
    reviewable_coach_condition,
    reviewable_relationship_condition,
)
from tests.conftest import make_user
from tests.helpers import varied_organisation

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

RULES = [
    (relationship_scope, relationship_condition),
    (reviewable_relationship_scope, reviewable_relationship_condition),
    (held_relationship_scope, held_relationship_condition),
]


def _viewers(people, coach, supervisor, admin_user) -> list[User]:
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
    for viewer in _viewers(people, coach, supervisor, admin_user):
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
        text, params = reviewable_coach_condition(viewer)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT k.id FROM accounts_user k WHERE {text} ORDER BY k.id", params)  # noqa: S608
            coaches = [row[0] for row in cursor.fetchall()]
        expected = list(
            User.objects.filter(reviewable_coach_scope(viewer)).order_by("pk").values_list("pk")
        )
        assert coaches == [pk for (pk,) in expected], viewer
    # The organisation was varied enough to mean something: each rule gives
    # rows to the roles it is for, and the ended relationships are in it.
    assert seen == {
        "relationship_scope": {Role.COACH, Role.SUPERVISOR},
        "reviewable_relationship_scope": {Role.SUPERVISOR, Role.ADMIN},
        "held_relationship_scope": {Role.SUPERVISOR, Role.ADMIN},
    }
    assert CaseloadAssignment.objects.filter(ended_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_rule_that_matches_nothing_asks_the_database_nothing(client_user, admin_user):
    for viewer in (client_user, admin_user):
        with CaptureQueriesContext(connection) as queries:
            assert relationship_rows("a.id", relationship_condition(viewer)) == []
        assert len(queries) == 0
