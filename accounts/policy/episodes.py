"""Episodes of care and outreach."""

from django.db.models import Q

from accounts.models import Role, User
from accounts.policy.relationships import NOTHING, client_scope


def episode_scope(user: User, field: str = "client") -> Q:
    """Episodes of care, as a condition on the foreign key to the client
    (`field`: "client" on Episode, "pk" on User): the client's own, and those
    of the clients `user` sees (client_scope). Like the plan, an episode is
    the client's: a new coach and their supervisors read the earlier ones, a
    former coach nothing. An admin reads none here (only the figures)."""
    return client_scope(user, field)


def episode_opener_scope(user: User, field: str = "client") -> Q:
    """Clients whose episode `user` may open (an intake, a readmission): a
    coach, the clients they work with now."""
    if user.is_active and user.role == Role.COACH:
        return client_scope(user, field)
    return NOTHING


def episode_discharger_scope(user: User, field: str = "client") -> Q:
    """Episodes `user` may discharge (`field` as in episode_scope): a coach,
    those of the clients they work with now; a supervisor, those of their
    team's clients."""
    if user.is_active and user.role in (Role.COACH, Role.SUPERVISOR):
        return client_scope(user, field)
    return NOTHING


def outreach_scope(user: User, field: str = "client") -> Q:
    """Outreach attempts and contact preferences (`field` as in
    episode_scope): for staff who see the client, a coach the clients they
    work with now, a supervisor their team's. Not the client's page: their
    preferences are set with them, in person."""
    if user.is_active and user.role in (Role.COACH, Role.SUPERVISOR):
        return client_scope(user, field)
    return NOTHING


def outreach_logger_scope(user: User, field: str = "client") -> Q:
    """Clients for whom `user` logs attempts and sets contact preferences:
    a coach, the clients they work with now."""
    if user.is_active and user.role == Role.COACH:
        return client_scope(user, field)
    return NOTHING
