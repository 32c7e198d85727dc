"""The selectors of sessions, notes and trust data state the visibility rule
in the form PostgreSQL plans best (accounts.selectors.client_scope and
relationship_scope); it must stay the same rule as clients_visible_to, for
every kind of person."""

import pytest
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import client_scope, clients_visible_to, relationship_scope
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


def _pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.django_db
def test_every_selector_shows_exactly_what_the_policy_allows(world, coach, other_coach):
    """Each selector, for every kind of person, against the rule written out
    in words over the records themselves (not over the policy's own Q)."""
    from accounts.models import AuditEvent, Invitation, Team
    from accounts.selectors import (
        audit_events_visible_to,
        invitations_visible_to,
        teams_visible_to,
    )
    from accounts.services import invitation_create
    from coaching.models import CheckIn, SupervisorRequest, TrustFlag
    from coaching.selectors.caseloads import clients_reviewable_by, coaches_reviewable_by
    from coaching.selectors.trust import (
        checkins_visible_to,
        flags_visible_to,
        supervisor_requests_visible_to,
    )
    from sessions_log.models import Note, Session

    # A relationship that has ended, with trust data: nobody sees it now.
    former = make_user("former@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=former)
    signed_contact(coach, former, hours_ago=30)
    CaseloadAssignment.objects.filter(client=former).update(ended_at=timezone.now())
    invitation_create(actor=coach, email="new@example.org", role=Role.CLIENT, team=None)
    people = [user for user, _ in world["personas"].values()] + [former]
    seen_anything = set()
    for person in people:
        visible = set(clients_visible_to(person).values_list("pk", flat=True))
        staff = person.role in (Role.COACH, Role.SUPERVISOR)
        active_of_visible = {"assignment__ended_at__isnull": True, "client__in": visible}
        expected = {
            "sessions": _pks(Session.objects.filter(client__in=visible)),
            "notes": _pks(Note.objects.filter(session__client__in=visible)),
            "check-ins": _pks(
                CheckIn.objects.filter(**active_of_visible)
                if staff
                else CheckIn.objects.filter(client=person)
                if person.role == Role.CLIENT
                else CheckIn.objects.none()
            ),
            "flags": _pks(TrustFlag.objects.filter(**active_of_visible)) if staff else set(),
            "private requests": _pks(SupervisorRequest.objects.filter(team=person.team_id))
            if person.role == Role.SUPERVISOR
            else set(),
            "coaches to review": _pks(
                User.objects.filter(role=Role.COACH)
                if person.role == Role.ADMIN
                else User.objects.filter(role=Role.COACH, team=person.team_id)
                if person.role == Role.SUPERVISOR
                else User.objects.none()
            ),
            "clients to review": visible
            if person.role == Role.SUPERVISOR
            else set(
                CaseloadAssignment.objects.filter(ended_at__isnull=True).values_list(
                    "client", flat=True
                )
            )
            if person.role == Role.ADMIN
            else set(),
            "audit events": _pks(
                AuditEvent.objects.all()
                if person.role == Role.ADMIN
                else AuditEvent.objects.filter(client__in=visible)
                | AuditEvent.objects.filter(actor__team=person.team_id)
                if person.role == Role.SUPERVISOR
                else AuditEvent.objects.none()
            ),
            "invitations": _pks(
                Invitation.objects.all()
                if person.role == Role.ADMIN
                else Invitation.objects.filter(invited_by=person)
                if person.role == Role.COACH
                else Invitation.objects.none()
            ),
            "teams": _pks(
                Team.objects.all()
                if person.role == Role.ADMIN
                else Team.objects.filter(pk=person.team_id)
                if person.role == Role.SUPERVISOR
                else Team.objects.none()
            ),
        }
        actual = {
            "sessions": _pks(sessions_visible_to(person)),
            "notes": _pks(notes_visible_to(person)),
            "check-ins": _pks(checkins_visible_to(person)),
            "flags": _pks(flags_visible_to(person)),
            "private requests": _pks(supervisor_requests_visible_to(person)),
            "coaches to review": _pks(coaches_reviewable_by(person)),
            "clients to review": _pks(clients_reviewable_by(person)),
            "audit events": _pks(audit_events_visible_to(person)),
            "invitations": _pks(invitations_visible_to(person)),
            "teams": _pks(teams_visible_to(person)),
        }
        assert actual == expected, person.email
        seen_anything |= {kind for kind, rows in actual.items() if rows}
    # Not empty by accident: every kind of record is seen by somebody.
    assert seen_anything == set(expected)
