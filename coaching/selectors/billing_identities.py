"""Reads for billing identities: the organisation that bills (one row) and
each coach's rendering identity, for the staff who bill
(accounts/policy/billing.py bills, provider_identity_scope). Neither names
a client, so reading them writes no audit row; setting them does."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import bills
from accounts.policy.billing import provider_identity_scope
from coaching.models import BillingOrganisation


def billing_organisation_for_viewing(user: User) -> BillingOrganisation | None:
    """The organisation's billing identity (None before it is entered);
    PermissionDenied for anyone who does not bill."""
    if not bills(user):
        raise PermissionDenied
    return BillingOrganisation.objects.current()


def billing_organisation_for_change(user: User) -> BillingOrganisation | None:
    """The same row locked (None before it is entered: the pk=1 constraint
    and update_or_create keep it one row); PermissionDenied for anyone who
    does not bill."""
    if not bills(user):
        raise PermissionDenied
    return BillingOrganisation.objects.select_for_update().filter(pk=1).first()


def coaches_for_billing(user: User) -> QuerySet[User]:
    """Every coach `user` may record a rendering identity for, by name,
    each with their `provider_identity` (or none): one query."""
    return (
        User.objects.filter(provider_identity_scope(user))
        .select_related("provider_identity")
        .order_by("display_name", "pk")
    )


def provider_coach_for_viewing(user: User, pk: int) -> User:
    """The coach `pk` with their rendering identity; 404 for anyone else's
    pk (not a coach, or `user` does not bill) alike."""
    coach = coaches_for_billing(user).filter(pk=pk).first()
    if coach is None:
        raise Http404
    return coach


def provider_coach_for_change(user: User, pk: int) -> User:
    """The coach `pk`, locked while their identity is recorded;
    PermissionDenied when `user` may not record it."""
    coach = (
        User.objects.select_for_update(no_key=True)
        .filter(provider_identity_scope(user), pk=pk)
        .first()
    )
    if coach is None:
        raise PermissionDenied
    return coach


@dataclass(frozen=True)
class IdentityPermissions:
    can_set: bool


def permissions_for(user: User, record=None) -> IdentityPermissions:
    """Whether `user` may record billing identities: no query."""
    return IdentityPermissions(can_set=bills(user))
