"""Reads of group sessions, scoped to the coach who runs them: the group
page's group with its members (group_for_viewing, which writes the
read-audit row), the group a service changes (group_for_change, locked),
and what the group page offers (group_permissions_for)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy.records import session_actor_scope, session_group_scope, session_scope
from sessions_log.models import Session, SessionGroup


def groups_visible_to(user: User) -> QuerySet[SessionGroup]:
    return SessionGroup.objects.filter(session_group_scope(user))


def group_members(user: User, group: SessionGroup) -> QuerySet[Session]:
    """The group's rows `user` sees (one per client), by client name."""
    return (
        Session.objects.filter(session_scope(user), session_group=group)
        .select_related("client", "service_code", "funding_programme")
        .order_by("client__display_name", "pk")
    )


def group_for_viewing(user: User, pk: int) -> SessionGroup:
    """The group page's group, if `user` runs it (404 otherwise, as for one
    that does not exist), with `members`: its rows `user` sees. Records the
    clients it shows."""
    group = get_object_or_404(groups_visible_to(user), pk=pk)
    group.members = list(group_members(user, group))
    audit_clients_shown(actor=user, shown=[("group.view", group.members)])
    return group


def visible_group(user: User, pk: int) -> SessionGroup:
    """The group a form on its page posts to (404 outside `user`'s groups).
    No read-audit row: its service takes the group through group_for_change."""
    return get_object_or_404(groups_visible_to(user), pk=pk)


def group_for_change(user: User, pk: int) -> SessionGroup:
    """The group `user` changes, locked until the transaction ends, with
    `open_members`: its rows `user` may still close (session_actor_scope:
    their own, the client still theirs, still scheduled), locked too."""
    group = (
        SessionGroup.objects.select_for_update().filter(session_group_scope(user), pk=pk).first()
    )
    if group is None:
        raise PermissionDenied
    group.open_members = list(
        Session.objects.select_for_update(of=("self",))
        .select_related("coach", "client")
        .filter(session_actor_scope(user), session_group=group)
        .order_by("pk")
    )
    return group


@dataclass(frozen=True)
class GroupPermissions:
    can_close: bool  # some member is still scheduled and the session has started


def open_members(group: SessionGroup) -> list[Session]:
    """The members of a group from group_for_viewing still to close."""
    return [member for member in group.members if member.status == Session.Status.SCHEDULED]


def group_permissions_for(user: User, group: SessionGroup) -> GroupPermissions:
    """The group page's buttons, from the group's members (group_for_viewing):
    no query."""
    members = open_members(group)
    started = bool(members) and min(m.starts_at for m in members) <= timezone.now()
    return GroupPermissions(can_close=started and group.coach_id == user.pk)
