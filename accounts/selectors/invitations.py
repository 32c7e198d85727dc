"""Invitations: the lists that show them, the one behind a link, and the
one someone withdraws."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from psycopg.types.numeric import Int8

from accounts.models import Invitation, Role, User
from accounts.policy import can_invite, invitation_scope
from accounts.policy.pages import invitation_revoker_scope, manages_people
from accounts.policy.sql import NOTHING, invitation_condition
from common.tokens import token_digest


def invitations_visible_to(user: User) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(invitation_scope(user))
        .select_related("team", "invited_by")
        .order_by("-created_at", "-pk")
    )


# The newest invitations first (the (invited_by, -created_at) index for a
# coach's own), as invitations_visible_to orders them.
_NEWEST_SQL = """
SELECT i.id, i.email, i.role, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
FROM accounts_invitation i WHERE {condition}
ORDER BY i.created_at DESC, i.id DESC LIMIT %(shown)s
"""


def newest_invitations_visible_to(user: User, shown: int) -> list[Invitation]:
    """The `shown` newest of invitations_visible_to(user), with what a list
    prints (no team, no sender): one prepared statement, no ORM query to
    build, for the coach's home."""
    text, params = invitation_condition(user)
    if (text, params) == NOTHING:
        return []
    with connection.prepared_cursor() as cursor:
        cursor.execute(_NEWEST_SQL.format(condition=text), {**params, "shown": Int8(shown)})
        return [
            Invitation(
                pk=pk,
                email=email,
                role=role,
                created_at=created_at,
                expires_at=expires_at,
                accepted_at=accepted_at,
                revoked_at=revoked_at,
            )
            for pk, email, role, created_at, expires_at, accepted_at, revoked_at in cursor
        ]


def invitation_for_viewing(user: User, pk: int) -> Invitation:
    """An invitation `user` sees (policy.invitation_scope), or a 404. Not
    audited: an invitation is the sender's, not a client's record."""
    return get_object_or_404(invitations_visible_to(user), pk=pk)


def invitation_for_change(user: User, pk: int) -> Invitation:
    """An invitation `user` may withdraw (policy.invitation_revoker_scope),
    locked, so that nobody accepts it meanwhile; PermissionDenied if not."""
    invitation = (
        Invitation.objects.select_for_update().filter(invitation_revoker_scope(user), pk=pk).first()
    )
    if invitation is None:
        raise PermissionDenied
    return invitation


def inviter_for_change(actor: User, role: str) -> User:
    """The inviter as they are now, their row locked (NO KEY UPDATE: rows
    that merely point at them, like their audit events, need not wait), if
    they may still invite someone to `role` (policy.can_invite); else
    PermissionDenied. One inviter's invitations go one at a time."""
    inviter = User.objects.select_for_update(no_key=True).get(pk=actor.pk)
    if not can_invite(inviter, role):
        raise PermissionDenied
    return inviter


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team", "coach", "invited_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


@dataclass(frozen=True)
class InvitationPermissions:
    can_invite_clients: bool
    can_invite_staff: bool
    can_revoke: bool


def permissions_for(user: User, invitation: Invitation | None = None) -> InvitationPermissions:
    """Whom `user` may invite, and whether they may withdraw `invitation`
    (theirs to see and still pending)."""
    return InvitationPermissions(
        can_invite_clients=can_invite(user, Role.CLIENT),
        can_invite_staff=can_invite(user, Role.COACH),
        can_revoke=invitation is not None
        and invitation.status == "pending"
        and (manages_people(user) or (user.is_active and invitation.invited_by_id == user.pk)),
    )
