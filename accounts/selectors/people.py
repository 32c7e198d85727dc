"""People, as admins manage them: the list, a person's page, and the person
an admin changes."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import Role, User
from accounts.policy import people_scope
from accounts.policy.pages import (
    PEOPLE_MANAGERS,
    holds_caseload,
    is_client_account,
    manages_people,
    person_change_scope,
)
from accounts.selectors.payer import permissions_for as payer_permissions_for
from common.paging import Page, page_of


def people_managed_by(user: User) -> QuerySet[User]:
    """Everyone, with a coach's number of active clients, for an admin (who
    manages people: never their records); nobody for anyone else."""
    return (
        User.objects.filter(people_scope(user))
        .select_related("team")
        .annotate(
            active_clients=Count(
                "caseload_assignments",
                filter=Q(caseload_assignments__ended_at__isnull=True),
            ),
            holds_caseload=ExpressionWrapper(Q(role=Role.COACH), output_field=BooleanField()),
        )
        .order_by("display_name", "pk")
    )


def people_page_for_viewing(user: User, people: QuerySet[User], number) -> Page:
    """Page `number` of `people` (people_managed_by, filtered), the clients
    on it audited ("people.list", one event each, one query): the list names
    them, and a client's "Who viewed my record" says so."""
    page = page_of(people, number)
    audit_clients_shown(actor=user, shown=[("people.list", page.object_list)])
    return page


def person_for_viewing(user: User, pk: int) -> User:
    """A person `user` manages (policy.people_scope), or a 404. A client's
    page is audited ("person.view"): it shows their name, email and access,
    and their "Who viewed my record" says so (their payer identifiers are
    read, and audited, through selectors.payer)."""
    person = get_object_or_404(people_managed_by(user), pk=pk)
    if is_client_account(person):
        audit_record(actor=user, action="person.view", obj=person)
    return person


def person_for_change(actor: User, pk: int, *, own: str | None = None) -> User:
    """The person `actor` changes, as they are now, locked.

    The active admins' rows are locked first (so two admins cannot remove
    each other at the same moment) and `actor` must still be one of them
    (PermissionDenied). `own` names a change an admin may not make to their
    own account ("change your own role"): another admin must, so there is
    always an active admin left to undo a mistake
    (policy.person_change_scope). Without `own`, the change is one an admin
    may make to anyone they manage, themselves included (a credential)."""
    admins = set(
        User.objects.select_for_update(no_key=True)
        .filter(PEOPLE_MANAGERS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if actor.pk not in admins:
        raise PermissionDenied
    if own is None:
        return get_object_or_404(
            User.objects.select_for_update(no_key=True), people_scope(actor), pk=pk
        )
    if pk == actor.pk:
        raise ValidationError(f"You cannot {own}: ask another admin.")
    person = get_object_or_404(
        User.objects.select_for_update(no_key=True), person_change_scope(actor), pk=pk
    )
    # Implied by the rule above while the actor is an active admin; stated
    # so that no later change to that rule can leave the app without one.
    if person.pk in admins and len(admins) == 1:
        raise ValidationError("There must always be at least one active admin.")
    return person


@dataclass(frozen=True)
class PersonPermissions:
    is_self: bool
    # Role and team: a staff account's, never a client's.
    can_change_role: bool
    can_change_access: bool
    can_set_credential: bool
    can_set_payer_identity: bool
    # Whether the page shows their caseload (a coach's active clients).
    shows_caseload: bool


def permissions_for(user: User, person: User) -> PersonPermissions:
    """What `user` may do on `person`'s page, from the same rules as
    person_for_change and payer_identity_for_change (no query)."""
    manager = manages_people(user)
    is_self = person.pk == user.pk
    client = is_client_account(person)
    return PersonPermissions(
        is_self=is_self,
        can_change_role=manager and not client,
        can_change_access=manager and not is_self,
        can_set_credential=manager and not client,
        can_set_payer_identity=payer_permissions_for(user, person).can_set,
        shows_caseload=holds_caseload(person),
    )
