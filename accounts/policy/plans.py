"""The recovery plan: who reads it, edits it, agrees to it and signs it."""

from django.db.models import Q

from accounts.models import Role, User
from accounts.policy.records import coach_private_scope
from accounts.policy.relationships import NOTHING, client_scope


def plan_scope(user: User, field: str = "client") -> Q:
    """Recovery plans, as a condition on the foreign key to the plan's
    client (`field`: "client" on Plan, "plan__client" on Goal,
    "goal__plan__client" on Step, "pk" on User): the client's own, and
    those of the clients `user` sees (client_scope), like their signed
    notes. A plan is the client's, not a relationship's: a new coach and
    their supervisors continue it, a former coach sees nothing of it. An
    admin reads none (people's words)."""
    return client_scope(user, field)


def plan_editor_scope(user: User, field: str = "client") -> Q:
    """Plans `user` may change (`field` as in plan_scope): a client, their
    own; a coach, those of the clients they work with now. A supervisor
    reads and reviews a plan but does not write in it."""
    if user.is_active and user.role in (Role.CLIENT, Role.COACH):
        return plan_scope(user, field)
    return NOTHING


def plan_signer_scope(user: User, field: str = "client") -> Q:
    """Plans `user` may sign as the coach (`field` as in plan_scope): a
    coach, those of the clients they work with now. Only the client agrees
    for themselves (plan_agreer_scope)."""
    if user.is_active and user.role == Role.COACH:
        return plan_scope(user, field)
    return NOTHING


def plan_agreer_scope(user: User, field: str = "client") -> Q:
    """The plan `user` may agree to as its client: their own, nobody else's."""
    if user.is_active and user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    return NOTHING


def note_goal_scope(user: User) -> Q:
    """The plan goals a note records (on NoteGoal): exactly as the note
    itself (note_scope): signed notes of the clients `user` sees, a draft
    for its author and their team's supervisors only."""
    signed = Q(note__signed_at__isnull=False)
    return client_scope(user, "note__session__client") & (
        signed | coach_private_scope(user, "note__author")
    )
