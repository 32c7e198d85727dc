"""A disclosure made outside the app (by phone, on paper, by fax or email, in
person), recorded afterwards by staff who manage the client's consents, so
that the client's accounting (42 CFR 2.25; 45 CFR 164.528) lists it like any
other.

It relies on a consent of this client that was in force when it was sent
and covers that recipient and those kinds of information (the notice of
42 CFR 2.32(a) had to go with it: staff confirm it did), or on one of the
exceptions: a medical emergency (2.51), an audit or evaluation (2.53), a
court order (2.64, 2.65). It is written through the one recording path
(coaching.services.disclosures.disclosures_record, ExportKind.OUTSIDE_APP),
audited as "disclosure.record". A refusal says why and records nothing.
"""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import (
    Basis,
    Consent,
    Disclosure,
    ExportKind,
    Information,
    PurposeKind,
    Recipient,
    SentBy,
)
from coaching.notices import NOTICE_VERSION
from coaching.selectors.consents import consent_client_for_change, recipients_for
from coaching.services.disclosures import disclosures_record
from common.dates import local_today

# What the record keeps instead of a notice version when none went with it:
# 2.32 asks for the notice with a disclosure made with the patient's consent.
NO_NOTICE = "None required: not made under a consent (42 CFR 2.32)"

# What the rule asks staff to write down for each exception, shown on the
# form and checked here where a field can hold it.
EXCEPTION_RECORDS = {
    Basis.EMERGENCY: (
        "42 CFR 2.51(c): the name of the medical personnel and their health care facility "
        "(as the recipient), the date and time, and the nature of the emergency (as the "
        "purpose). You are recorded as the person who made the disclosure."
    ),
    Basis.AUDIT: (
        "42 CFR 2.53: who carried out the audit or evaluation (as the recipient), and in the "
        "purpose what it was and that they agreed in writing to the limits on using and "
        "disclosing the records."
    ),
    Basis.ORDER_NONCRIMINAL: (
        "42 CFR 2.64: the court (as the recipient), and in the purpose the order (court, "
        "case number, date) and what it authorised; only what the order names may go."
    ),
    Basis.ORDER_CRIMINAL: (
        "42 CFR 2.65: the court or authority (as the recipient), and in the purpose the "
        "order (court, case number, date) and what it authorised; only what the order "
        "names may go."
    ),
}

FUTURE = "The date sent cannot be in the future."
SERVICE_ORDER = "The dates of service must run from the first to the last."
SERVICE_FUTURE = "The dates of service cannot be in the future."
NO_RECIPIENT = "Choose a recipient from the list, or type the name of the one it went to."
TWO_RECIPIENTS = "Choose a recipient from the list or type a name, not both."
UNKNOWN_RECIPIENT = "Choose a recipient from the list."
NO_CONSENT = "Choose the consent it relied on, or the exception it was made under."
CONSENT_UNDER_EXCEPTION = (
    "A disclosure under an exception relies on no consent: choose one or the other."
)
CONSENT_NEEDS_LISTED = (
    "A consent names its recipient: choose the recipient from the list (a typed name is "
    "for a disclosure under an exception)."
)
NOT_THIS_CLIENT = "That consent is not one of this client's."
NOT_COVERED = (
    "That consent did not cover this disclosure: on the day it was sent it was not in force "
    "(unsigned, revoked, ended or past its end date), or it does not name this recipient or "
    "cover every kind of information chosen. Record it under an exception if one applies."
)
OUTSIDE_DATES = (
    "The consent covers information from {start} to {end} only: the dates of service go "
    "outside them."
)
NO_NOTICE_CONFIRMED = (
    "Confirm that the notice (42 CFR 2.32(a)) went with it: a disclosure under a consent "
    "must carry it."
)
APP_FILE = "Choose how it was sent: a file from this app is recorded when it is marked sent."
NOT_A_BASIS = "Choose the consent, or one of the exceptions, it was made under."
NO_PURPOSE = "Say what it was for."
NO_KINDS = "Choose at least one kind of information from the list."


def _check_dates(sent_at: datetime, service_from: date, service_to: date, client: User) -> None:
    today = local_today(client)
    errors = {}
    if sent_at > timezone.now():
        errors["sent_at"] = FUTURE
    if service_from > service_to:
        errors["service_to"] = SERVICE_ORDER
    elif service_to > today:
        errors["service_to"] = SERVICE_FUTURE
    if errors:
        raise ValidationError(errors)


def _check_recipient(client: User, recipient: Recipient | None, recipient_name: str) -> None:
    if recipient is None and not recipient_name:
        raise ValidationError({"recipient": NO_RECIPIENT})
    if recipient is not None and recipient_name:
        raise ValidationError({"recipient_name": TWO_RECIPIENTS})
    if recipient is not None and not recipients_for(client).filter(pk=recipient.pk).exists():
        raise ValidationError({"recipient": UNKNOWN_RECIPIENT})


def _in_force_at(consent: Consent, sent_at: datetime, sent_day: date) -> bool:
    """Consent.in_force_on for a moment past: signed before it, not revoked
    or ended before it (one revoked since was in force when it went), and
    not past its end date on that day in the client's calendar."""
    return (
        consent.signed_at is not None
        and consent.signed_at <= sent_at
        and (consent.revoked_at is None or consent.revoked_at > sent_at)
        and (consent.ends_on is None or consent.ends_on >= sent_day)
    )


def _names(consent: Consent, recipient: Recipient) -> bool:
    """The rule of covering_queryset: the consent's own recipient, or any
    organisation on the list for the single TPO consent (2.33(a)(2))."""
    if consent.purpose_kind == PurposeKind.TPO:
        return recipient.kind == Recipient.Kind.ORGANISATION and recipient.client_id is None
    return consent.recipient_id == recipient.pk


def _consent_relied_on(
    *,
    client: User,
    consent: Consent,
    recipient: Recipient | None,
    kinds: list[str],
    sent_at: datetime,
    service_from: date,
    service_to: date,
) -> Consent:
    """The consent, its row locked (a revocation waits), if it is this
    client's, was in force when it was sent, names `recipient` and covers
    `kinds` and the dates of service; ValidationError otherwise."""
    found = (
        Consent.objects.select_for_update(of=("self",), no_key=True).filter(pk=consent.pk).first()
    )
    if found is None or found.client_id != client.pk:
        raise ValidationError({"consent": NOT_THIS_CLIENT})
    if recipient is None:
        raise ValidationError({"recipient": CONSENT_NEEDS_LISTED})
    sent_day = timezone.localtime(sent_at, ZoneInfo(client.time_zone or "UTC")).date()
    if not (
        _in_force_at(found, sent_at, sent_day)
        and _names(found, recipient)
        and set(kinds) <= set(found.information)
    ):
        raise ValidationError({"consent": NOT_COVERED})
    start, end = found.information_from, found.information_to
    if (start and service_from < start) or (end and service_to > end):
        raise ValidationError(
            {"service_from": OUTSIDE_DATES.format(start=_day(start), end=_day(end))}
        )
    return found


def _day(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else "today"


def _checked_kinds(information: Iterable[str]) -> list[str]:
    kinds = sorted(set(information))
    if not kinds or any(kind not in Information.values for kind in kinds):
        raise ValidationError({"information": NO_KINDS})
    return kinds


@transaction.atomic
def disclosure_record_outside(
    *,
    actor: User,
    client: User,
    sent_at: datetime,
    basis: str,
    information: Iterable[str],
    service_from: date,
    service_to: date,
    purpose: str,
    sent_by: str,
    recipient: Recipient | None = None,
    recipient_name: str = "",
    recipient_address: str = "",
    consent: Consent | None = None,
    notice_confirmed: bool = False,
) -> Disclosure:
    """Record a disclosure made outside the app (ExportKind.OUTSIDE_APP):
    sent at `sent_at` (not in the future) by `sent_by` (not a file from this
    app), to `recipient` (from recipients_for(client)) or `recipient_name`
    (typed: a court, an emergency room), of `information` (kinds) from the
    dates of service `service_from`..`service_to`, for `purpose`, under
    `consent` (basis "consent": this client's, in force that day, naming
    the recipient and covering the kinds and dates; `notice_confirmed`: the
    notice of 2.32(a) went with it) or an exception (`basis` 2.51, 2.53,
    2.64, 2.65, no consent). Staff in consent_staff_scope only
    (PermissionDenied otherwise). Audited ("disclosure.record"). A
    refusal (ValidationError, by field) records nothing."""
    client = consent_client_for_change(actor, client.pk)
    recipient_name = recipient_name.strip()
    recipient_address = recipient_address.strip()
    purpose = purpose.strip()
    if basis not in Basis.values:
        raise ValidationError({"basis": NOT_A_BASIS})
    if sent_by not in SentBy.values or sent_by == SentBy.APP_FILE:
        raise ValidationError({"sent_by": APP_FILE})
    if not purpose:
        raise ValidationError({"purpose": NO_PURPOSE})
    kinds = _checked_kinds(information)
    _check_dates(sent_at, service_from, service_to, client)
    _check_recipient(client, recipient, recipient_name)
    if basis == Basis.CONSENT:
        if consent is None:
            raise ValidationError({"consent": NO_CONSENT})
        consent = _consent_relied_on(
            client=client,
            consent=consent,
            recipient=recipient,
            kinds=kinds,
            sent_at=sent_at,
            service_from=service_from,
            service_to=service_to,
        )
        if not notice_confirmed:
            raise ValidationError({"notice_confirmed": NO_NOTICE_CONFIRMED})
        notice_version = NOTICE_VERSION
    else:
        if consent is not None:
            raise ValidationError({"consent": CONSENT_UNDER_EXCEPTION})
        notice_version = NO_NOTICE
    if not recipient_address and recipient is not None:
        recipient_address = recipient.address
    [disclosure] = disclosures_record(
        actor=actor,
        export=ExportKind.OUTSIDE_APP,
        recipient=recipient,
        information=kinds,
        consents={client.pk: consent},
        service_dates={client.pk: (service_from, service_to)},
        description=f"Made outside the app: {SentBy(sent_by).label}",
        sent_by=sent_by,
        at=sent_at,
        details={
            "basis": basis,
            "recipient_name": recipient_name,
            "recipient_address": recipient_address,
            "purpose": purpose,
            "notice_version": notice_version,
        },
    )
    return disclosure
