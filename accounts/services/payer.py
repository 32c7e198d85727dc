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
_STATE = re.compile(r"[A-Z]{2}")
# What an X12 claim carries in a name or an address: no ~ * : ^ (its delimiters).
_PLAIN = re.compile(r"[^~*:^]*")
SEXES = {"F", "M", "U"}
# Name and address as the payer's card and claim (837P 2010BA) hold them:
# the field and its greatest length.
_TEXT_FIELDS = {
    "legal_last_name": 60,
    "legal_first_name": 35,
    "address_line1": 55,
    "address_line2": 55,
    "city": 30,
}


@transaction.atomic
def payer_identity_set(
    *,
    actor: User,
    client: User,
    date_of_birth: date | None,
    member_id: str,
    legal_last_name: str | None = None,
    legal_first_name: str | None = None,
    sex: str | None = None,
    address_line1: str | None = None,
    address_line2: str | None = None,
    city: str | None = None,
    state: str | None = None,
    postal_code: str | None = None,
) -> PayerIdentity:
    """Staff who bill record what the payer knows the client by: their date
    of birth, member id, legal name, sex (F, M or U, as the claim carries
    it) and address (a 2-letter state, a 5- or 9-digit ZIP), all encrypted
    at rest. A detail given as None keeps what is recorded."""
    client = payer_identity_for_change(actor, client.pk)
    current = PayerIdentity.objects.filter(client=client).first()
    given = {
        "legal_last_name": legal_last_name,
        "legal_first_name": legal_first_name,
        "sex": sex,
        "address_line1": address_line1,
        "address_line2": address_line2,
        "city": city,
        "state": state,
        "postal_code": postal_code,
    }
    details = {
        name: " ".join(value.split())
        if value is not None
        else (getattr(current, name) if current else "")
        for name, value in given.items()
    }
    details["sex"] = details["sex"].upper()
    details["state"] = details["state"].upper()
    details["postal_code"] = re.sub(r"[\s-]", "", details["postal_code"])
    member_id = member_id.strip()
    errors = {}
    if member_id and not _MEMBER_ID.fullmatch(member_id):
        errors["member_id"] = "A member id is letters, digits and hyphens, at most 40."
    if date_of_birth is not None and not (
        date(1900, 1, 1) <= date_of_birth <= timezone.localdate()
    ):
        errors["date_of_birth"] = "Give a date of birth between 1900 and today."
    for name, limit in _TEXT_FIELDS.items():
        if len(details[name]) > limit:
            errors[name] = f"At most {limit} characters."
        elif not _PLAIN.fullmatch(details[name]):
            errors[name] = "Use letters, digits and ordinary punctuation (no ~ * : ^)."
    if details["sex"] and details["sex"] not in SEXES:
        errors["sex"] = "Sex on a claim is F, M or U (unknown)."
    if details["state"] and not _STATE.fullmatch(details["state"]):
        errors["state"] = "A state is its 2-letter postal code, e.g. IL."
    code = details["postal_code"]
    if code and not (code.isdigit() and len(code) in (5, 9)):
        errors["postal_code"] = "A ZIP code is 5 digits, or 9 with the +4 (e.g. 62701-1234)."
    if errors:
        raise ValidationError(errors)
    identity, _ = PayerIdentity.objects.update_or_create(
        client=client,
        defaults={
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else "",
            "member_id": member_id,
            **details,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit_record(actor=actor, action="payer_identity.set", obj=client, client=client)
    return identity
