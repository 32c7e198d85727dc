"""Sessions and notes: a coach's own material, and the clinical record a
successor reads."""

from django.db.models import Q

from accounts.models import Role, User
from accounts.policy.relationships import NOTHING, client_scope


def coach_private_scope(user: User, field: str = "coach") -> Q:
    """A coach's own material about their sessions (the private agenda, a
    draft note, supervisors' reviews of a note), as a condition on the
    foreign key to that coach, `field`: "coach" on Session, "author" on
    Note, "note__author" on NoteReview. For that coach and for the
    supervisors of that coach's team; a successor coach, a supervisor of
    another team, a client and an admin get nothing from it.

    It says whose material it is, not whether the client is in view:
    selectors combine it with client_scope."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.COACH:
        return Q(**{field: user.pk})
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(**{f"{field}__team_id": user.team_id})
    return NOTHING


def note_scope(user: User) -> Q:
    """Notes (on Note): those of the sessions `user` sees (client_scope), once
    signed: a successor coach reads the signed notes of earlier coaches, for
    continuity of care. A draft is its author's (coach_private_scope): for
    them and their team's supervisors only."""
    signed = Q(signed_at__isnull=False)
    return client_scope(user, "session__client") & (signed | coach_private_scope(user, "author"))
