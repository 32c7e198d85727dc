"""A client's own record, and their requests about it (HIPAA 164.524 access,
164.526 amendment)."""

from django.db.models import Q

from accounts.models import Role, User
from accounts.policy.relationships import NOTHING, client_scope


def own_record_scope(user: User, field: str = "pk") -> Q:
    """The client whose whole record `user` downloads (on User, or through
    `field`): a client, themself; nobody else, staff included (they read the
    record through its own pages)."""
    if user.is_active and user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    return NOTHING


def record_request_scope(user: User, field: str = "client") -> Q:
    """Requests about a record (on RecordRequest, or a client through
    `field`): the client's own, and those of the clients staff see
    (client_scope). An admin reads none."""
    return client_scope(user, field)


def record_request_staff_scope(user: User, field: str = "client") -> Q:
    """Clients whose requests `user` logs and decides: a coach, the clients
    they work with now; a supervisor, their team's. Accepting an amendment
    also needs the note's own coach: the addendum is theirs to write
    (sessions_log's note_author_scope, checked by addendum_add)."""
    if user.is_active and user.role in (Role.COACH, Role.SUPERVISOR):
        return client_scope(user, field)
    return NOTHING
