"""Clients with no login: a person the organisation serves who has no app
account (no phone, or no wish for one), added by staff so that their
sessions, notes and consents (signed on paper: coaching/services/
paper_consents.py) are kept and billed like anyone's.

Such a client is a `User` of the client role who can never sign in: the
password is unusable and the address is made up under the reserved
top-level domain ".invalid" (RFC 2606), which no mail can reach; every mail
path (common/emails.py `build` and `send_kept`, and the allauth adapter for
password resets) checks `common.emails.deliverable` and sends nothing to it.
The coach who adds them is their coach (a CaseloadAssignment); an admin
adding one names the coach.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Role, User, validate_time_zone
from accounts.policy.pages import adds_clients_without_login
from accounts.policy.relationships import takes_clients
from accounts.services.relationships import assignment_create
from common.emails import UNDELIVERABLE_DOMAIN, deliverable

# The made-up address: "no-login-<24 hex>@clients.invalid".
OFFLINE_DOMAIN = "clients" + UNDELIVERABLE_DOMAIN


def offline_address() -> str:
    """A unique address that no mail reaches, for a client with no login."""
    return f"no-login-{secrets.token_hex(12)}@{OFFLINE_DOMAIN}"


def has_login(user: User) -> bool:
    """Whether `user` can sign in at all: a usable password and an address
    mail can reach (their password reset goes there)."""
    return user.has_usable_password() and deliverable(user.email)


@transaction.atomic
def offline_client_add(
    *, actor: User, display_name: str, time_zone: str, coach: User | None = None
) -> User:
    """Add a client who has no app account. A coach adds them to their own
    caseload (`coach` is the actor); an admin names the coach. They cannot
    sign in and are never emailed. Refused (PermissionDenied) for anyone
    else; bad values: ValidationError, nothing saved."""
    if not adds_clients_without_login(actor):
        raise PermissionDenied
    if takes_clients(actor):
        coach = actor
    errors = {}
    display_name = " ".join((display_name or "").split())
    limit = User._meta.get_field("display_name").max_length
    if not display_name:
        errors["display_name"] = "Give the name the client goes by."
    elif len(display_name) > limit:
        errors["display_name"] = f"Keep the name to {limit} characters."
    try:
        validate_time_zone(time_zone or "")
    except ValidationError:
        errors["time_zone"] = "Choose the client's time zone from the list."
    if coach is None or not coach.is_active or not takes_clients(coach):
        errors["coach"] = "Choose the coach who will work with this client."
    if errors:
        raise ValidationError(errors)
    client = User.objects.create_user(
        offline_address(),
        None,  # an unusable password: no sign-in, ever
        display_name=display_name,
        time_zone=time_zone,
        role=Role.CLIENT,
    )
    audit_record(actor=actor, action="client.add_offline", obj=client, client=client)
    assignment_create(actor=actor, coach=coach, client=client)
    return client
