"""Writes to consents and disclosures (coaching/models/consents.py), and the
one path every export that leaves the organisation takes (`export_split`).

- Staff prepare a consent (consent_prepare); the client reads it in plain
  words and signs it with their name, typed, and a tick (consent_sign); the
  client revokes it whenever they like, effective at once (consent_revoke);
  staff end one when the event it ends on has happened, or the client asked
  them to (consent_end).
- An export (the claim file, a disclosure to a named recipient) calls
  `export_split` in the transaction that builds it: it finds the covering
  consent of each client (locking them, so a revocation waits for the export
  to finish and takes effect after it), records a Disclosure per covered
  client and an audit event each, and hands back who is covered, who is not
  (left out of the export, listed apart) and the notice the export carries
  at its head.

Who may write comes from accounts/policy/consents.py (consent_staff_scope,
consent_signer_scope), through coaching.selectors.consents.consent_for_change
and consent_client_for_change (the acting scope, the row locked).
"""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone

from accounts.audit import audit_record, audit_record_many
from accounts.models import Role, User
from accounts.policy import consent_signer_scope, consent_staff_scope
from coaching.models import Consent, Disclosure, ExportKind, Information, Recipient
from coaching.notices import NOTICE_VERSION, STATEMENT_1
from coaching.selectors.consents import (
    consent_client_for_change,
    consent_for_change,
    covering_queryset,
    newest_per_client,
    recipients_for,
)
from coaching.selectors.disclosures import disclosure_rows, named_recipient_kinds
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
    purpose: str,
    information: Iterable[str],
    ends_on: date | None = None,
    ends_on_event: str = "",
) -> Consent:
    """A consent for the client to read and sign: to an organisation from the
    list (`recipient`) or to a person they name (`person_name`), for a
    purpose, covering some kinds of information, until a date or an event.
    Nothing is disclosed under it until the client signs."""
    client = consent_client_for_change(actor, client.pk)
    errors = {}
    person_name = " ".join((person_name or "").split())
    name_limit = Recipient._meta.get_field("person_name").max_length
    if recipient is not None and person_name:
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
        purpose=purpose,
        information=kinds,
        ends_on=ends_on,
        ends_on_event=ends_on_event,
        prepared_by=actor,
    )
    audit_record(actor=actor, action="consent.prepare", obj=consent, client=client)
    transaction.on_commit(partial(consent_waiting_announce, consent.pk))
    return consent


@transaction.atomic
def consent_sign(*, actor: User, consent: Consent, typed_name: str, confirmed: bool) -> Consent:
    """The client signs a consent staff prepared: their name as on their
    account (any case and spacing) and a tick, time stamped. Refused once
    signed, and past its end date (a new one must be prepared)."""
    consent = consent_for_change(actor, consent.pk, scope=consent_signer_scope)
    if consent.signed_at is not None:
        raise ValidationError("You have already signed this consent.")
    if consent.ends_on is not None and consent.ends_on < local_today(consent.client):
        raise ValidationError(
            f"This consent ended on {_day(consent.ends_on)} and can no longer be signed. "
            "Ask your coach to prepare a new one if you still want it."
        )
    errors = {}
    if not same_name(typed_name or "", actor.display_name):
        errors["typed_name"] = f"Type your name as it is on your account: {actor.display_name}."
    if confirmed is not True:
        errors["confirmed"] = "Tick the box to say you agree."
    if errors:
        raise ValidationError(errors)
    consent.signed_name = " ".join(typed_name.split())
    consent.signed_at = timezone.now()
    consent.save(update_fields=["signed_name", "signed_at"])
    audit_record(actor=actor, action="consent.sign", obj=consent, client=consent.client)
    return consent


# ------------------------------------------------------------ disclosures


def disclosures_record(
    *,
    actor: User,
    export: str,
    recipient: Recipient,
    information: Iterable[str],
    consents: dict[int, Consent],
    description: str = "",
) -> list[Disclosure]:
    """One Disclosure per client in `consents` (client id -> the consent
    relied on), all in one statement, and an audit event per client
    ("disclosure.record", which the client's "Who viewed my record" lists).
    Called by export_split; on its own, only inside the export's transaction."""
    if export not in ExportKind.values:
        raise ValueError(f"Not a kind of export: {export}")
    if not consents:
        return []
    at = timezone.now()
    kinds = sorted(set(information))
    disclosures = Disclosure.objects.bulk_create(
        [
            Disclosure(
                client_id=client_id,
                consent=consent,
                recipient=recipient,
                information=kinds,
                export=export,
                description=description[:200],
                by=actor,
                at=at,
                notice_version=NOTICE_VERSION,
            )
            for client_id, consent in sorted(consents.items())
        ]
    )
    audit_record_many(
        actor=actor,
        action="disclosure.record",
        objects=[
            (disclosure, User(pk=disclosure.client_id, role=Role.CLIENT))
            for disclosure in disclosures
        ],
    )
    return disclosures


@dataclass(frozen=True)
class ExportSplit:
    """Who an export may include (their consents, by client id), who it must
    leave out, the disclosures recorded, and the notice for its head (with
    the version each disclosure stores)."""

    consents: dict[int, Consent]
    unconsented_ids: list[int]
    disclosures: list[Disclosure] = field(default_factory=list)
    notice: str = STATEMENT_1
    notice_version: str = NOTICE_VERSION

    @property
    def consented_ids(self) -> list[int]:
        return sorted(self.consents)


@transaction.atomic
def export_split(
    *,
    actor: User,
    client_ids: Iterable[int],
    recipient: Recipient,
    information: Iterable[str],
    export: str,
    description: str = "",
    on_day: date | None = None,
) -> ExportSplit:
    """The one path of every export that leaves the organisation with client
    data. Call it inside the transaction that builds the export, with the
    clients the caller's own scoped selector found: it finds each client's
    covering consent (consents_covering's rule, its rows locked until the
    export commits: a revocation waits and takes effect after it), records
    a Disclosure per covered client naming that consent, and returns the
    split. Include only `consented_ids`; list `unconsented_ids` apart; put
    `notice` at the export's head and each included client's consent scope
    (coaching.notices.consent_scope, 42 CFR 2.32(b)) in it. Nobody covered:
    nothing is recorded."""
    ids = sorted(set(client_ids))
    kinds = sorted(set(information))
    consents = newest_per_client(
        covering_queryset(
            client_ids=ids,
            recipient=recipient,
            information=kinds,
            on_day=on_day,
        )
        # Client and recipient come along for the scope each export carries
        # (coaching.notices.consent_scope); only the consent rows are locked.
        .select_related("client", "recipient")
        .select_for_update(of=("self",), no_key=True)
    )
    disclosures = disclosures_record(
        actor=actor,
        export=export,
        recipient=recipient,
        information=kinds,
        consents=consents,
        description=description,
    )
    return ExportSplit(
        consents=consents,
        unconsented_ids=[client_id for client_id in ids if client_id not in consents],
        disclosures=disclosures,
    )


# ------------------------------------------- a disclosure to a recipient

NOT_COVERED = (
    "Nothing was sent: this consent is not active (it was revoked, ended or is past "
    "its end date, or was never signed). Ask the client for a new one."
)
NOTHING_TO_SEND = (
    "Nothing was sent: this consent covers only identifiers for billing, which go to "
    "a payer on a claim (Billing), not in a disclosure to a named recipient."
)


@dataclass(frozen=True)
class ConsentDisclosure:
    """A named-recipient disclosure: the split (its notice, the Disclosure
    recorded), the consent relied on, and the rows to send."""

    split: ExportSplit
    used: Consent
    rows: list[list[str]]


@transaction.atomic
def consent_disclose(*, actor: User, consent: Consent) -> ConsentDisclosure:
    """What the consent covers of its client, for its recipient, through the
    one export path (export_split: recorded as a Disclosure). Staff who see
    the client only (consent_staff_scope). Refused (NOT_COVERED), with
    nothing recorded, when the consent is not in force."""
    consent = consent_for_change(actor, consent.pk, scope=consent_staff_scope)
    if not consent.in_force_on(local_today(consent.client)):
        raise ValidationError(NOT_COVERED)
    client = consent.client
    sent = named_recipient_kinds(consent.information)
    if not sent:
        raise ValidationError(NOTHING_TO_SEND)
    split = export_split(
        actor=actor,
        client_ids=[client.pk],
        recipient=consent.recipient,
        information=sent,
        export=ExportKind.NAMED_RECIPIENT,
        description="Disclosure to a named recipient (CSV)",
    )
    if client.pk not in split.consents:
        raise ValidationError(NOT_COVERED)
    return ConsentDisclosure(
        split=split,
        used=split.consents[client.pk],
        rows=disclosure_rows(actor, client, sent),
    )
