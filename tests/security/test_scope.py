"""The selectors of sessions, notes and trust data state the visibility rule
in the form PostgreSQL plans best (accounts.selectors.client_scope and
relationship_scope); it must stay the same rule as clients_visible_to, for
every kind of person."""

import pytest
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, User
from accounts.selectors import client_scope, clients_visible_to, relationship_scope
from sessions_log.selectors import notes_visible_to, sessions_visible_to
from tests.conftest import make_user
from tests.helpers import signed_contact


@pytest.mark.django_db
def test_client_scope_is_the_one_visibility_rule_for_every_person(world, coach):
    # A client the coach used to work with, who has records of their own.
    former = make_user("former@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=former)
    signed_contact(coach, former, hours_ago=30)
    CaseloadAssignment.objects.filter(client=former).update(ended_at=timezone.now())
    inactive_coach = make_user("gone@example.org", Role.COACH, team=coach.team)
    inactive_coach.is_active = False
    inactive_coach.save()
    people = [user for user, _ in world["personas"].values()] + [former, inactive_coach]
    for person in people:
        visible = set(clients_visible_to(person).values_list("pk", flat=True))
        scoped = set(User.objects.filter(client_scope(person, "pk")).values_list("pk", flat=True))
        assert scoped == visible, person.email
        session_clients = set(sessions_visible_to(person).values_list("client_id", flat=True))
        note_clients = set(notes_visible_to(person).values_list("session__client_id", flat=True))
        assert session_clients <= visible, person.email
        assert note_clients <= visible, person.email
        # Relationships: a coach's and a supervisor's active ones are exactly
        # their visible clients'; nobody else has any.
        related = CaseloadAssignment.objects.filter(relationship_scope(person))
        related_clients = set(related.values_list("client_id", flat=True))
        if person.role in (Role.COACH, Role.SUPERVISOR):
            assert related_clients == visible, person.email
        else:
            assert related_clients == set(), person.email
    # The rule is not empty by accident: each side sees its own.
    north_coach_sees = set(sessions_visible_to(coach).values_list("client_id", flat=True))
    assert north_coach_sees == {world["objects"]["north"]["client"]}
    north_coach_relates = CaseloadAssignment.objects.filter(relationship_scope(coach))
    assert set(north_coach_relates.values_list("client_id", flat=True)) == north_coach_sees
