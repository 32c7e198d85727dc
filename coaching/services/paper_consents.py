"""A consent signed on paper: staff print it (the same words the app shows,
coaching.consent_wording.consent_sections, with signature lines), the client
or their representative signs it, and staff who manage the client's consents
(consent_staff_scope) record the signature with the scan.

A representative signs for a minor (their parent, 42 CFR 2.14) or for a
client who lacks capacity (a court-appointed guardian or a health care
proxy, 2.15): their name and authority are kept with the signature. The
signature goes through the same two steps as one made in the app
(`signable`, `signature_keep`), so the text frozen with it is the wording
printed for signing, and the consent covers exports exactly as one signed
in the app does (coaching.selectors.consents.covering_queryset looks only
at signed_at, revoked_at and the end date).
"""

import zoneinfo
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy import consent_staff_scope
from coaching.models import Consent, DocumentKind, SignedHow
from coaching.models.consents import Authority
from coaching.selectors.consents import consent_for_change
from coaching.services.consent_documents import consent_document_keep, scan_read
from coaching.services.consents import same_name, signable, signature_keep
from common.dates import local_today


def _day(value: date) -> str:
    return dateformat.format(value, "j F Y")


def _signed_at(consent: Consent, signed_on: date) -> datetime:
    """When the paper was signed: now if today, else the start of that day
    in the client's time zone (the signature line gives the day)."""
    zone = zoneinfo.ZoneInfo(consent.client.time_zone or "UTC")
    if signed_on == local_today(consent.client):
        return timezone.now()
    return datetime.combine(signed_on, time.min, tzinfo=zone)


@transaction.atomic
def consent_sign_on_paper(
    *,
    actor: User,
    consent: Consent,
    signed_by_name: str,
    signed_on: date | None,
    representative_name: str = "",
    authority: str = "",
    scan,
    revision: str | None = None,
) -> Consent:
    """Record a signature made on paper, with its scan (PDF, JPEG or PNG by
    content, at most 10 MB). By the client: `signed_by_name` is their name as
    the consent gives it. By a representative: `authority` (Authority) and
    their name (`representative_name`, or `signed_by_name`). `signed_on`: the
    day it was signed, not in the future, not before the consent was
    prepared (the client's days). Refused as a signature in the app is
    (already signed, past its end, words changed since the page recording
    it was read: `revision`, see consent_revision). Bad values:
    ValidationError, nothing kept."""
    consent = consent_for_change(actor, consent.pk, scope=consent_staff_scope)
    signable(consent)
    errors = {}
    limit = Consent._meta.get_field("signed_name").max_length
    signed_by_name = " ".join((signed_by_name or "").split())
    representative_name = " ".join((representative_name or "").split()) or (
        signed_by_name if authority else ""
    )
    representative = bool(authority or representative_name)
    if not signed_by_name:
        errors["signed_by_name"] = "Give the name signed on the paper."
    elif len(signed_by_name) > limit:
        errors["signed_by_name"] = f"Keep the name to {limit} characters."
    elif not representative:
        names = [name for name in (consent.legal_name, consent.client.display_name) if name]
        if not any(same_name(signed_by_name, name) for name in names):
            errors["signed_by_name"] = (
                f"The client signs in the name the consent gives: {names[0]}. If someone "
                "else signed for them, say who they are to the client."
            )
    if representative:
        if authority not in Authority.values:
            errors["authority"] = (
                "Say why they may sign for the client: parent of a minor, guardian or "
                "health care proxy."
            )
        if len(representative_name) > limit:
            errors["representative_name"] = f"Keep the name to {limit} characters."
    zone = zoneinfo.ZoneInfo(consent.client.time_zone or "UTC")
    prepared_on = timezone.localtime(consent.prepared_at, zone).date()
    if not isinstance(signed_on, date) or isinstance(signed_on, datetime):
        errors["signed_on"] = "Give the date it was signed."
    elif signed_on > local_today(consent.client):
        errors["signed_on"] = "The date it was signed cannot be in the future."
    elif signed_on < prepared_on:
        errors["signed_on"] = (
            f"It cannot have been signed before it was prepared ({_day(prepared_on)})."
        )
    if not scan:
        errors["scan"] = "Attach the scan of the signed paper."
    else:
        try:
            content_type, data = scan_read(scan)
        except ValidationError as error:
            errors["scan"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    signature_keep(
        consent,
        signed_name=signed_by_name,
        signed_how=SignedHow.PAPER_REPRESENTATIVE if representative else SignedHow.PAPER_CLIENT,
        signed_at=_signed_at(consent, signed_on),
        fields={
            "recorded_by": actor,
            "representative_name": representative_name if representative else "",
            "representative_authority": authority if representative else "",
        },
        revision=revision,
    )
    audit_record(actor=actor, action="consent.sign_on_paper", obj=consent, client=consent.client)
    consent_document_keep(
        actor=actor,
        consent=consent,
        kind=DocumentKind.SIGNED_CONSENT,
        content_type=content_type,
        data=data,
    )
    return consent
