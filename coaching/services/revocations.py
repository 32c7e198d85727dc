"""Ending a signed consent: the client revokes it in the app
(consent_revoke), staff record a revocation the client made in writing
(consent_revoke_in_writing: what it came as, the day it was received, a
note, the scan of the writing) or end it when the event it ends on has happened (consent_end). Each
takes effect at once: the row is locked (consent_for_change), so an export
relying on it finishes first, and every export after it leaves the client
out (coaching.selectors.consents.covering_queryset). What was disclosed
before stays disclosed, and listed. `Consent.revoked_how` says which.
"""

import zoneinfo
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy import consent_signer_scope, consent_staff_scope
from coaching.models import Consent, DocumentKind
from coaching.models.consents import RevocationMedium, RevokedHow
from coaching.selectors.consents import consent_for_change
from coaching.services.consent_documents import consent_document_keep, scan_read
from common.dates import local_today


def _day(value: date) -> str:
    return dateformat.format(value, "j F Y")


def _stop(
    *, actor: User, consent: Consent, scope, action: str, how: str, scan=None, **writing
) -> Consent:
    consent = consent_for_change(actor, consent.pk, scope=scope)
    if consent.signed_at is None:
        raise ValidationError(_("This consent was never signed, so there is nothing to end."))
    if consent.revoked_at is not None:
        raise ValidationError(_("This consent has already ended."))
    scanned = None
    if writing:
        writing, scanned = _written_revocation(consent, scan=scan, **writing)
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor
    consent.revoked_how = how
    for name, value in writing.items():
        setattr(consent, name, value)
    consent.save(update_fields=["revoked_at", "revoked_by", "revoked_how", *writing])
    audit_record(actor=actor, action=action, obj=consent, client=consent.client)
    if scanned is not None:
        content_type, data = scanned
        consent_document_keep(
            actor=actor,
            consent=consent,
            kind=DocumentKind.REVOCATION,
            content_type=content_type,
            data=data,
        )
    return consent


@transaction.atomic
def consent_revoke(*, actor: User, consent: Consent) -> Consent:
    """The client takes their consent back: nothing more is disclosed under
    it from this moment. What was disclosed before stays disclosed (and
    listed)."""
    return _stop(
        actor=actor,
        consent=consent,
        scope=consent_signer_scope,
        action="consent.revoke",
        how=RevokedHow.IN_APP,
    )


@transaction.atomic
def consent_end(*, actor: User, consent: Consent) -> Consent:
    """Staff end a client's consent: the event it ends on has happened, or
    the client asked them to. Effective at once, as a revocation."""
    return _stop(
        actor=actor,
        consent=consent,
        scope=consent_staff_scope,
        action="consent.end",
        how=RevokedHow.ENDED,
    )


@transaction.atomic
def consent_revoke_in_writing(
    *,
    actor: User,
    consent: Consent,
    medium: str,
    received_on: date | None,
    note: str = "",
    scan=None,
) -> Consent:
    """Staff record a revocation the client made in writing (42 CFR
    2.31(a)(6)): what it came as, the day it was received, a note, and
    optionally the scan of the writing (PDF, JPEG or PNG by content, at most
    10 MB: a ConsentDocument of kind "revocation"). It takes
    effect from the moment it is recorded: the next export leaves the client
    out (covering_queryset); one made before stays made. Staff who may end
    the consent (consent_staff_scope) record it; they are `revoked_by`."""
    return _stop(
        actor=actor,
        consent=consent,
        scope=consent_staff_scope,
        action="consent.revoke_in_writing",
        how=RevokedHow.IN_WRITING,
        revocation_medium=medium,
        revocation_received_on=received_on,
        revocation_note=note,
        scan=scan,
    )


def _written_revocation(consent: Consent, *, scan, **writing) -> tuple[dict, tuple | None]:
    """The written revocation's fields, checked: a kind of writing from the
    list, received between the signature and today (the client's days); and
    its scan read and checked (content type, bytes), or None without one."""
    errors = {}
    medium, received_on = writing["revocation_medium"], writing["revocation_received_on"]
    note = (writing["revocation_note"] or "").strip()
    if medium not in RevocationMedium.values:
        errors["medium"] = "Choose what the revocation came as."
    zone = zoneinfo.ZoneInfo(consent.client.time_zone or "UTC")
    signed_on = timezone.localtime(consent.signed_at, zone).date()
    if received_on is None:
        errors["received_on"] = "Give the date the revocation was received."
    elif received_on > local_today(consent.client):
        errors["received_on"] = "The date it was received cannot be in the future."
    elif received_on < signed_on:
        errors["received_on"] = (
            f"It cannot have been received before it was signed ({_day(signed_on)})."
        )
    limit = Consent._meta.get_field("revocation_note").max_length
    if len(note) > limit:
        errors["note"] = f"Keep the note to {limit} characters."
    scanned = None
    if scan:
        try:
            scanned = scan_read(scan)
        except ValidationError as error:
            errors["scan"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    return {**writing, "revocation_note": note}, scanned
