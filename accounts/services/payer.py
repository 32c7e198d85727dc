"""A client's payer identifiers, recorded by the staff who bill. Audited."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import PayerIdentity, User
from accounts.selectors.payer import payer_identity_for_change

_MEMBER_ID = re.compile(r"[A-Za-z0-9-]{1,40}")


@transaction.atomic
def payer_identity_set(
    *, actor: User, client: User, date_of_birth: date | None, member_id: str
) -> PayerIdentity:
    """Staff who bill record what the payer knows the client by: their date
    of birth and member id (both encrypted at rest)."""
    client = payer_identity_for_change(actor, client.pk)
    member_id = member_id.strip()
    errors = {}
    if member_id and not _MEMBER_ID.fullmatch(member_id):
        errors["member_id"] = "A member id is letters, digits and hyphens, at most 40."
    if date_of_birth is not None and not (
        date(1900, 1, 1) <= date_of_birth <= timezone.localdate()
    ):
        errors["date_of_birth"] = "Give a date of birth between 1900 and today."
    if errors:
        raise ValidationError(errors)
    identity, _ = PayerIdentity.objects.update_or_create(
        client=client,
        defaults={
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else "",
            "member_id": member_id,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit_record(actor=actor, action="payer_identity.set", obj=client, client=client)
    return identity
