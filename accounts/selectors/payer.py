"""A client's payer identifiers (date of birth, member id): for the client
and the staff who bill."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from accounts.audit import audit_record
from accounts.models import PayerIdentity, User
from accounts.policy import bills, payer_identity_scope
from accounts.policy.pages import is_client_account, payer_identity_setter_scope


def payer_identity_for_viewing(viewer: User, client: User) -> PayerIdentity | None:
    """The client's payer identifiers if `viewer` may see them (the client,
    staff who bill: policy.payer_identity_scope), else None (none recorded
    reads the same). A member of staff's reading is audited
    ("payer_identity.view"), here and nowhere else."""
    identity = PayerIdentity.objects.filter(payer_identity_scope(viewer), client=client).first()
    if identity is not None and viewer.pk != client.pk:
        audit_record(actor=viewer, action="payer_identity.view", obj=client, client=client)
    return identity


def payer_identity_for_change(actor: User, client_pk: int) -> User:
    """The client whose payer identifiers `actor` records
    (policy.payer_identity_setter_scope: staff who bill), locked;
    PermissionDenied for anyone else."""
    client = (
        User.objects.select_for_update(no_key=True)
        .filter(payer_identity_setter_scope(actor), pk=client_pk)
        .first()
    )
    if client is None:
        raise PermissionDenied
    return client


@dataclass(frozen=True)
class PayerIdentityPermissions:
    can_set: bool


def permissions_for(user: User, client: User) -> PayerIdentityPermissions:
    """Whether `user` may record `client`'s payer identifiers: the rule of
    payer_identity_for_change, without a query."""
    return PayerIdentityPermissions(can_set=bills(user) and is_client_account(client))
