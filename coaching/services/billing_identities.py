"""Who bills, as a claim names them: the organisation (837P 1000A
submitter and 2010AA billing provider: name, address, billing NPI, tax id,
taxonomy, submitter id and contact) and each coach (2310B rendering
provider: legal name, NPI, taxonomy; their credential is the User's).

Staff who bill record them. Each value is checked (the NPI's check digit,
the tax id's and taxonomy's shape, a 9-digit ZIP+4, a 10-digit phone); a
refusal names each field wrong and saves nothing. Audited."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from accounts.services.people import user_credential_set
from coaching.models import BillingOrganisation, ProviderIdentity
from coaching.selectors.billing_identities import (
    billing_organisation_for_change,
    provider_coach_for_change,
)
from coaching.x12 import identifiers as ids

_STATE = re.compile(r"[A-Z]{2}")
# What X12 accepts in a name or address (its basic and extended character
# set, less the delimiters ~ * : ^ the files use).
_PLAIN = re.compile(r"[A-Za-z0-9 !&'()+,\-./;?=%@\[\]_{}\\|<>#$\"]*")


def _digits(value: str) -> str:
    return re.sub(r"[\s().-]", "", value)


def _text_errors(values: dict, limits: dict, errors: dict, optional=()) -> None:
    for name, limit in limits.items():
        value = values[name]
        if not value and name not in optional:
            errors[name] = "This is needed on every claim."
        elif len(value) > limit:
            errors[name] = f"At most {limit} characters."
        elif not _PLAIN.fullmatch(value):
            errors[name] = "Use letters, digits and ordinary punctuation (no ~ * : ^)."


@transaction.atomic
def billing_organisation_set(
    *,
    actor: User,
    name: str,
    address_line1: str,
    address_line2: str = "",
    city: str,
    state: str,
    postal_code: str,
    npi: str,
    tax_id: str,
    taxonomy: str,
    submitter_id: str,
    contact_name: str,
    contact_phone: str,
) -> BillingOrganisation:
    """The organisation's billing identity, checked, saved (one row) and
    audited ("billing_organisation.set")."""
    billing_organisation_for_change(actor)
    values = {
        "name": " ".join(name.split()),
        "address_line1": " ".join(address_line1.split()),
        "address_line2": " ".join(address_line2.split()),
        "city": " ".join(city.split()),
        "state": state.strip().upper(),
        "postal_code": _digits(postal_code),
        "npi": npi.strip(),
        "tax_id": tax_id.strip(),
        "taxonomy": taxonomy.strip().upper(),
        "submitter_id": submitter_id.strip(),
        "contact_name": " ".join(contact_name.split()),
        "contact_phone": _digits(contact_phone),
    }
    errors: dict[str, str] = {}
    _text_errors(
        values,
        {
            "name": 60,
            "address_line1": 55,
            "address_line2": 55,
            "city": 30,
            "submitter_id": 80,
            "contact_name": 60,
        },
        errors,
        optional=("address_line2",),
    )
    if not _STATE.fullmatch(values["state"]):
        errors["state"] = "A state is its 2-letter postal code, e.g. IL."
    if not (values["postal_code"].isdigit() and len(values["postal_code"]) == 9):
        errors["postal_code"] = (
            "The billing address needs the full ZIP+4, 9 digits (e.g. 62701-1234): "
            "claims require it (837P 2010AA N403)."
        )
    for field, check in (
        ("npi", ids.npi_error),
        ("tax_id", ids.tax_id_error),
        ("taxonomy", ids.taxonomy_error),
    ):
        error = check(values[field])
        if error:
            errors[field] = error
    if not (values["contact_phone"].isdigit() and len(values["contact_phone"]) == 10):
        errors["contact_phone"] = "A phone number is 10 digits, e.g. 217-555-0100."
    if errors:
        raise ValidationError(errors)
    organisation, _ = BillingOrganisation.objects.update_or_create(
        pk=1, defaults={**values, "updated_by": actor, "updated_at": timezone.now()}
    )
    audit_record(actor=actor, action="billing_organisation.set", obj=organisation)
    return organisation


@transaction.atomic
def provider_identity_set(
    *,
    actor: User,
    coach: User,
    last_name: str,
    first_name: str,
    npi: str,
    taxonomy: str,
    credential: str,
) -> ProviderIdentity:
    """A coach's rendering identity (legal name, individual NPI, taxonomy)
    and credential, checked, saved and audited ("provider_identity.set")."""
    coach = provider_coach_for_change(actor, coach.pk)
    values = {
        "last_name": " ".join(last_name.split()),
        "first_name": " ".join(first_name.split()),
        "npi": npi.strip(),
        "taxonomy": taxonomy.strip().upper(),
    }
    errors: dict[str, str] = {}
    _text_errors(values, {"last_name": 60, "first_name": 35}, errors)
    for field, check in (("npi", ids.npi_error), ("taxonomy", ids.taxonomy_error)):
        error = check(values[field])
        if error:
            errors[field] = error
    if "npi" not in errors:
        holder = (
            ProviderIdentity.objects.filter(npi=values["npi"])
            .exclude(coach=coach)
            .select_related("coach")
            .first()
        )
        if holder is not None:
            errors["npi"] = (
                f"This NPI is {holder.coach.display_name}'s already: each coach has their own."
            )
    if errors:
        raise ValidationError(errors)
    identity, _ = ProviderIdentity.objects.update_or_create(
        coach=coach, defaults={**values, "updated_by": actor, "updated_at": timezone.now()}
    )
    if credential.strip() != coach.credential:
        user_credential_set(actor=actor, user=coach, credential=credential)
    audit_record(actor=actor, action="provider_identity.set", obj=coach)
    return identity
