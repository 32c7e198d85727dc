"""Consents and the disclosures made under them."""

from django.db.models import Q

from accounts.models import Role, User
from accounts.policy.relationships import NOTHING, client_scope


def consent_scope(user: User, field: str = "client") -> Q:
    """Consents and the disclosures made under them, as a condition on the
    foreign key to the client (`field`: "client" on Consent and Disclosure,
    "pk" on User): the client's own, and those of the clients `user` sees
    (client_scope), like the episode and the plan. An admin reads none."""
    return client_scope(user, field)


def consent_staff_scope(user: User, field: str = "client") -> Q:
    """Clients for whom `user` prepares a consent, ends one (the event it
    ended on happened, or the client asked them to) and discloses under one
    to its named recipient: staff who see the client, a coach the clients
    they work with now, a supervisor their team's."""
    if user.is_active and user.role in (Role.COACH, Role.SUPERVISOR):
        return client_scope(user, field)
    return NOTHING


def consent_signer_scope(user: User, field: str = "client") -> Q:
    """The consents `user` signs and revokes: a client, their own; nobody
    signs or revokes for someone else."""
    if user.is_active and user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    return NOTHING
