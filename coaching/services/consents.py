"""Writes to consents (coaching/models/consents.py).

- Staff prepare a consent (consent_prepare); the client reads it in plain
  words and signs it with their name, typed, and a tick (consent_sign); the
  client revokes it whenever they like, effective at once (consent_revoke);
  staff end one when the event it ends on has happened, or the client asked
  them to (consent_end).
- Every export takes one path, coaching/services/disclosures.py.

Who may write comes from accounts/policy/consents.py (consent_staff_scope,
consent_signer_scope), through coaching.selectors.consents.consent_for_change
and consent_client_for_change (the acting scope, the row locked).
"""

import hashlib
import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy import consent_signer_scope
from coaching import consent_wording
from coaching.consent_copies import frozen_copy
from coaching.consent_wording import Section, consent_text
from coaching.models import Consent, Information, PurposeKind, Recipient, SignedHow
from coaching.notices import STATEMENT_1
from coaching.selectors.consents import (
    consent_client_for_change,
    consent_for_change,
    recipients_for,
)
from coaching.services.consent_prompts import consent_waiting_announce

# Ending a consent (revoking it, in the app or in writing, or ending it as
# staff) lives in coaching/services/revocations.py; callers find it here too.
from coaching.services.revocations import consent_end as consent_end
from coaching.services.revocations import consent_revoke as consent_revoke
from coaching.services.revocations import consent_revoke_in_writing as consent_revoke_in_writing
from common.dates import local_today

# The notice of 42 CFR 2.32(a) every export that leaves the organisation
# carries at its head: Statement 1, word for word (coaching/notices.py).
# Kept under its old name for the callers that import it from here.
REDISCLOSURE_NOTICE = STATEMENT_1


# A consent whose words (or their wording version) changed since the page
# that signs it was read: 42 CFR 2.31(a), the consent signed is the one read.
CONSENT_CHANGED = gettext_noop("The consent changed: read it again.")


def consent_revision(sections: list[Section], version: str | None = None) -> str:
    """The revision of a consent's words as shown (`sections`, from
    consent_sections: the page already has them, no query): a hex SHA-256
    of the wording version and the text, the signature line aside. The
    sign forms carry it; signature_keep checks it against the very text it
    freezes. A digest, not a counter: no column, and it changes with
    anything the words hold (the organisation's address, the recipient's
    name, a new wording deployed) whoever changed it."""
    version = consent_wording.WORDING_VERSION if version is None else version
    return _digest(version, consent_text(sections))


def _digest(version: str, text: str) -> str:
    return hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()


def notice_text() -> str:
    """The notice an export (and its preview) carries at its head."""
    return STATEMENT_1


def _zone(client: User) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(client.time_zone or "UTC")


def _day(value: date) -> str:
    return dateformat.format(value, "j F Y")


def same_name(typed: str, name: str) -> bool:
    """A typed signature matches a name whatever the case and spacing:
    "  dana   LEE" signs for "Dana Lee"."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


# ----------------------------------------------------------- the consent


@transaction.atomic
def consent_prepare(
    *,
    actor: User,
    client: User,
    recipient: Recipient | None = None,
    person_name: str = "",
    legal_name: str,
    purpose_kind: str = PurposeKind.OTHER,
    purpose: str,
    information: Iterable[str],
    information_from: date | None,
    information_to: date | None = None,
    ends_on: date | None = None,
    ends_on_event: str = "",
) -> Consent:
    """A consent for the client to read and sign (42 CFR 2.31(a)): in their
    legal name, to an organisation from the list (`recipient`) or to a
    person they name (`person_name`) or, for the single consent for
    treatment, payment and health care operations (purpose_kind "tpo"), to
    that class of recipients; for a purpose; covering some kinds of
    information from some dates; until a date or an event. Nothing is
    disclosed under it until it is signed."""
    client = consent_client_for_change(actor, client.pk)
    errors = {}
    person_name = " ".join((person_name or "").split())
    name_limit = Recipient._meta.get_field("person_name").max_length
    legal_name = " ".join((legal_name or "").split())
    legal_limit = Consent._meta.get_field("legal_name").max_length
    if not legal_name:
        errors["legal_name"] = "Give the client's legal name, as on their ID."
    elif len(legal_name) > legal_limit:
        errors["legal_name"] = f"Keep the legal name to {legal_limit} characters."
    if purpose_kind not in PurposeKind.values:
        errors["purpose_kind"] = "Choose what the information is for from the list."
    tpo = purpose_kind == PurposeKind.TPO
    if tpo and (recipient is not None or person_name):
        errors["recipient"] = (
            "The single consent for treatment, payment and operations names no one "
            "recipient: leave the recipient empty."
        )
    elif tpo:
        pass
    elif recipient is not None and person_name:
        errors["recipient"] = "Choose an organisation or name a person, not both."
    elif recipient is None and not person_name:
        errors["recipient"] = "Choose who the information may go to, or name a person."
    elif recipient is not None and not recipients_for(client).filter(pk=recipient.pk).exists():
        errors["recipient"] = "Choose a recipient from the list."
    elif len(person_name) > name_limit:
        errors["person_name"] = f"Keep the name to {name_limit} characters."
    purpose = (purpose or "").strip()
    purpose_limit = Consent._meta.get_field("purpose").max_length
    if not purpose:
        errors["purpose"] = "Say what the information is for."
    elif len(purpose) > purpose_limit:
        errors["purpose"] = f"Keep the purpose to {purpose_limit} characters."
    kinds = sorted(set(information or ()))
    if not kinds:
        errors["information"] = "Choose at least one kind of information."
    elif any(kind not in Information.values for kind in kinds):
        errors["information"] = "Choose the information from the list."
    if information_from is None:
        errors["information_from"] = "Give the first date the information may be from."
    elif information_to is not None and information_to < information_from:
        errors["information_to"] = "The last date cannot be before the first."
    ends_on_event = (ends_on_event or "").strip()
    event_limit = Consent._meta.get_field("ends_on_event").max_length
    if ends_on is not None and ends_on_event:
        errors["ends_on"] = "Give an end date or an event it ends on, not both."
    elif ends_on is None and not ends_on_event:
        errors["ends_on"] = "Give the date it ends, or the event it ends on."
    elif ends_on is not None and (
        not isinstance(ends_on, date)
        or isinstance(ends_on, datetime)
        or ends_on < local_today(client)
    ):
        errors["ends_on"] = "The end date cannot be in the past."
    elif len(ends_on_event) > event_limit:
        errors["ends_on_event"] = f"Keep the event to {event_limit} characters."
    if errors:
        raise ValidationError(errors)
    if person_name:
        recipient = Recipient.objects.create(
            person_name=person_name, kind=Recipient.Kind.PERSON, client=client
        )
    consent = Consent.objects.create(
        client=client,
        recipient=recipient,
        legal_name=legal_name,
        purpose_kind=purpose_kind,
        purpose=purpose,
        information=kinds,
        information_from=information_from,
        information_to=information_to,
        ends_on=ends_on,
        ends_on_event=ends_on_event,
        prepared_by=actor,
    )
    audit_record(actor=actor, action="consent.prepare", obj=consent, client=client)
    transaction.on_commit(partial(consent_waiting_announce, consent.pk))
    return consent


@transaction.atomic
def consent_sign(
    *,
    actor: User,
    consent: Consent,
    typed_name: str,
    confirmed: bool,
    revision: str | None = None,
) -> Consent:
    """The client signs a consent staff prepared: their name (the legal name
    the consent states, or the name on their account; any case and spacing)
    and a tick, time stamped, on the words they read (`revision`, from the
    page: consent_revision; refused with CONSENT_CHANGED when the words are
    no longer those). The text they were shown is frozen with the
    signature. Refused once signed, and past its end date (a new one must be
    prepared)."""
    consent = consent_for_change(actor, consent.pk, scope=consent_signer_scope)
    signable(consent)
    errors = {}
    names = [name for name in (consent.legal_name, actor.display_name) if name]
    if not any(same_name(typed_name or "", name) for name in names):
        errors["typed_name"] = _("Type your name as the consent gives it: %(name)s.") % {
            "name": names[0]
        }
    if confirmed is not True:
        errors["confirmed"] = _("Tick the box to say you agree.")
    if errors:
        raise ValidationError(errors)
    signature_keep(
        consent,
        signed_name=" ".join(typed_name.split()),
        signed_how=SignedHow.IN_APP,
        revision=revision,
    )
    audit_record(actor=actor, action="consent.sign", obj=consent, client=consent.client)
    return consent


def signable(consent: Consent) -> None:
    """Refuse a consent already signed, or past its end date."""
    if consent.signed_at is not None:
        raise ValidationError(_("This consent is already signed."))
    if consent.ends_on is not None and consent.ends_on < local_today(consent.client):
        raise ValidationError(
            _(
                "This consent ended on %(day)s and can no longer be signed. "
                "A new one must be prepared."
            )
            % {"day": _day(consent.ends_on)}
        )


def signature_keep(
    consent: Consent,
    *,
    signed_name: str,
    signed_how: str,
    signed_at=None,
    fields: dict | None = None,
    revision: str | None = None,
) -> None:
    """Write a signature and freeze with it the text that was signed (its
    version and SHA-256), with the signature line (2.31(a)(8), (9)).
    `fields` are further columns of a paper signature (representative,
    recorder). `revision`: the words the signer read (consent_revision),
    checked against the text frozen here, made once from one read of the
    organisation and the recipient: other words refuse (CONSENT_CHANGED),
    nothing written. None: a caller signing the words as they are now
    (demo data), never a page's form."""
    consent.signed_at = signed_at or timezone.now()
    consent.signed_name = signed_name
    consent.signed_how = signed_how
    for name, value in (fields or {}).items():
        setattr(consent, name, value)
    signed_on = timezone.localtime(consent.signed_at, _zone(consent.client)).date()
    # In the client's language, with the English text beside it when that
    # is another (coaching/consent_copies.py).
    copy = frozen_copy(consent, signed_on=signed_on)
    shown = copy.text.rsplit("\n\n", 1)[0]  # the signature line aside
    if revision is not None and revision != _digest(copy.version, shown):
        raise ValidationError(_(CONSENT_CHANGED))
    consent.signed_text, consent.signed_text_version, consent.signed_text_sha256 = (
        copy.text,
        copy.version,
        copy.sha256,
    )
    consent.signed_language = copy.language
    consent.signed_text_english = copy.english
    consent.signed_text_english_sha256 = copy.english_sha256
    consent.save(
        update_fields=[
            "signed_at",
            "signed_name",
            "signed_how",
            "signed_text",
            "signed_text_version",
            "signed_text_sha256",
            "signed_language",
            "signed_text_english",
            "signed_text_english_sha256",
            *(fields or {}),
        ]
    )
