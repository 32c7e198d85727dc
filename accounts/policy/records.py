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


def session_scope(user: User) -> Q:
    """Sessions (on Session) `user` sees: those of the clients they see
    (client_scope): when and how they happen, their status."""
    return client_scope(user)


def own_sessions_scope(user: User) -> Q:
    """The sessions (on Session) that are a person's own: a client's, those
    they attend; anyone else's, those they coach. Their calendar feed lists
    these and their reminders are about these."""
    if user.role == Role.CLIENT:
        return Q(client=user.pk)
    return Q(coach=user.pk)


def session_coach_scope(user: User, prefix: str = "") -> Q:
    """Sessions (on Session, or on a model reaching one through `prefix`,
    e.g. "session__") that `user` acts on as their coach: an active coach,
    their own sessions, with a client who is still theirs. A former coach
    reads the record but changes nothing."""
    if not user.is_active or user.role != Role.COACH:
        return NOTHING
    return Q(**{f"{prefix}coach": user.pk}) & client_scope(user, f"{prefix}client")


def session_actor_scope(user: User) -> Q:
    """Sessions (on Session) `user` may move, cancel or close: their own
    coach, the client still theirs (session_coach_scope), the session still
    scheduled."""
    return session_coach_scope(user) & Q(status="scheduled")


def session_scheduler_scope(user: User, field: str = "pk") -> Q:
    """The clients (on User, or through `field`) `user` may schedule a
    session with or log a contact for: an active coach, the clients they
    work with now."""
    if not user.is_active or user.role != Role.COACH:
        return NOTHING
    return client_scope(user, field)


def note_author_scope(user: User) -> Q:
    """Notes (on Note) `user` may write in (draft, sign, add an addendum):
    the coach of the note's session, with the client still theirs
    (session_coach_scope)."""
    return session_coach_scope(user, "session__")


def session_cosigner_scope(user: User, prefix: str = "") -> Q:
    """Sessions (on Session, or through `prefix`, e.g. "session__" on Note)
    whose signed note `user` may co-sign or return: a supervisor, those of
    their team's clients (client_scope) whose note waits for a co-sign."""
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return NOTHING
    waiting = Q(**{f"{prefix}note_state": "awaiting_cosign"})
    return waiting & client_scope(user, f"{prefix}client")


def note_reviewer_scope(user: User) -> Q:
    """Notes (on Note) `user` reviews as a supervisor at all, waiting or not:
    those of their team's clients. Outside it a review is refused outright;
    inside it, a note not waiting (session_cosigner_scope) is not reviewed."""
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return NOTHING
    return client_scope(user, "session__client")


def reminder_problem_scope(user: User) -> Q:
    """Reminders (on Reminder) whose failed delivery `user` looks into: an
    admin, every one (who it was for and why it failed, never its text)."""
    if user.is_active and user.role == Role.ADMIN:
        return Q()
    return NOTHING


def session_group_scope(user: User) -> Q:
    """Group sessions (on SessionGroup) `user` sees and acts on as a whole
    (the group pages, closing it): an active coach, the groups they run.
    Each member's row is still reached through the session scopes above,
    so a client who left the coach's caseload drops out of what they see."""
    if not user.is_active or user.role != Role.COACH:
        return NOTHING
    return Q(coach=user.pk)
