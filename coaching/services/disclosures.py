"""Every disclosure that leaves the organisation with client data takes one
path (`export_split`), and records a Disclosure per client (`disclosures_record`).

- An export (the claim file, a disclosure to a named recipient) calls
  `export_split` in the transaction that builds it: it finds the covering
  consent of each client (locking them, so a revocation waits for the export
  to finish and takes effect after it), records a Disclosure per covered
  client and an audit event each, and hands back who is covered, who is not
  (left out of the export, listed apart) and the notice the export carries
  at its head.
- `consent_disclose` is the disclosure to a consent's named recipient.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record_many
from accounts.models import Role, User
from accounts.policy import consent_staff_scope
from coaching.models import (
    Basis,
    Consent,
    Disclosure,
    ExportKind,
    OutgoingFile,
    PurposeKind,
    Recipient,
    SentBy,
)
from coaching.notices import (
    NOTICE_VERSION,
    SCOPE_HEADING,
    SCOPE_LABELS,
    STATEMENT_1,
    consent_scope,
    organisation_name,
)
from coaching.selectors.consents import consent_for_change, covering_queryset, newest_per_client
from coaching.selectors.disclosures import (
    disclosure_rows,
    named_recipient_kinds,
    outgoing_file_for_change,
    sent_moment,
    zone_of,
)
from common.dates import local_today
from common.downloads import csv_safe

# ------------------------------------------------------------ disclosures


ServiceDates = dict[int, tuple[date | None, date | None]]


def disclosures_record(
    *,
    actor: User,
    export: str,
    recipient: Recipient | None,
    information: Iterable[str],
    consents: dict[int, Consent | None],
    service_dates: ServiceDates,
    description: str = "",
    sent_by: str = SentBy.APP_FILE,
    at=None,
    details: dict | None = None,
) -> list[Disclosure]:
    """One Disclosure per client in `consents` (client id -> the consent
    relied on, None under an exception), all in one statement, and an audit
    event per client ("disclosure.record", which the client's "Who viewed my
    record" lists). Each row holds what an accounting needs (42 CFR 2.25; 45
    CFR 164.528(b)(2)): when it was sent (`at`, now unless given), the
    recipient and their address, the kinds, the first and last date of
    service the file holds for that client (`service_dates`, client id ->
    (from, to)), the purpose in the consent's words and how it went.
    `details`: fields given instead (a disclosure made outside the app gives
    its basis, recipient name and address, purpose and notice version).
    Called when a file is marked sent or a disclosure recorded; only inside
    that transaction."""
    if export not in ExportKind.values:
        raise ValueError(f"Not a kind of export: {export}")
    if not consents:
        return []
    missing = sorted(set(consents) - set(service_dates))
    if missing:
        raise ValueError(f"No dates of service for clients {missing}")
    at = at or timezone.now()
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
                **{
                    "basis": Basis.CONSENT,
                    "recipient_address": recipient.address if recipient else "",
                    "purpose": consent.purpose[:500] if consent else "",
                    "service_from": service_dates[client_id][0],
                    "service_to": service_dates[client_id][1],
                    "sent_by": sent_by,
                    "at": at,
                    "notice_version": NOTICE_VERSION,
                    **(details or {}),
                },
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
    service_dates: ServiceDates | None,
    description: str = "",
    on_day: date | None = None,
    sent_by: str = SentBy.APP_FILE,
) -> ExportSplit:
    """The one path of every export that leaves the organisation with client
    data. Call it inside the transaction that builds the export, with the
    clients the caller's own scoped selector found: it finds each client's
    covering consent (consents_covering's rule, its rows locked until the
    export commits: a revocation waits and takes effect after it) and
    returns the split. Include only `consented_ids`; list
    `unconsented_ids` apart; put `notice` at the export's head and each
    included client's consent scope (coaching.notices.consent_scope, 42 CFR
    2.32(b)) in it.

    `service_dates` (client id -> first and last date of service in the
    file) records a Disclosure per covered client: pass it when the
    information is sent now (marking a file sent). `None` only checks: a
    file made to be sent later (a claim batch, a named-recipient file)
    records nothing until it is marked sent, when this runs again."""
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
    disclosures = []
    if service_dates is not None:
        disclosures = disclosures_record(
            actor=actor,
            export=export,
            recipient=recipient,
            information=kinds,
            consents=consents,
            service_dates=service_dates,
            description=description,
            sent_by=sent_by,
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
NO_NAMED_RECIPIENT = (
    "Nothing was sent: a consent for treatment, payment and health care operations names "
    "no one recipient. A named-recipient disclosure needs a consent naming its recipient."
)


def _range_problems(consent: Consent, start, end, today: date) -> list[str]:
    """Why start..end is not a range this consent lets staff send (42 CFR
    2.31(a)(3): the dates of information the consent states)."""
    if not isinstance(start, date) or not isinstance(end, date):
        return ["Give the first and last day of the information to send."]
    problems = []
    if start > end:
        problems.append("The first day comes after the last day.")
    if end > today:
        problems.append("The last day cannot be after today.")
    low, high = consent.information_from, consent.information_to
    if (low and start < low) or (high and end > high):
        stated = f"from {low:%-d %b %Y}" if low else "from any date"
        stated += f" to {high:%-d %b %Y}" if high else " on"
        problems.append(f"This consent covers information {stated}: choose days within that range.")
    return problems


def _file_text(*, actor, consent, rows, start, end, today) -> str:
    """The CSV as sent: the notice (42 CFR 2.32(a)) and its version, the
    consent's scope (2.32(b)), who prepared it, the days it covers, then
    the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    scope = consent_scope(consent, disclosed_by=organisation_name(), on_day=today)
    for row in [
        [STATEMENT_1],
        [NOTICE_VERSION],
        [],
        [SCOPE_HEADING],
        *([label, value] for label, value in zip(SCOPE_LABELS, scope, strict=True)),
        [],
        ["Prepared by", actor.display_name],
        ["Date", today.isoformat()],
        ["Information dated", f"{start.isoformat()} to {end.isoformat()}"],
        [],
        ["Section", "Date", "Item", "Detail"],
        *rows,
    ]:
        writer.writerow([csv_safe(value) for value in row])
    return buffer.getvalue()


@transaction.atomic
def consent_disclose(*, actor: User, consent: Consent, start: date, end: date) -> OutgoingFile:
    """The file of what the consent covers of its client dated start..end
    (within the dates of information the consent states), for its
    recipient, kept (encrypted) as an OutgoingFile: nothing counts as
    disclosed until staff mark it sent (outgoing_file_mark_sent). Staff who
    see the client only (consent_staff_scope). Refused, nothing kept, when
    the consent is not in force (NOT_COVERED), is a TPO consent, covers
    nothing a file sends, or the range is outside what it states."""
    consent = consent_for_change(actor, consent.pk, scope=consent_staff_scope)
    client = consent.client
    today = local_today(client)
    if not consent.in_force_on(today):
        raise ValidationError(NOT_COVERED)
    if consent.purpose_kind == PurposeKind.TPO or consent.recipient_id is None:
        raise ValidationError(NO_NAMED_RECIPIENT)
    sent = named_recipient_kinds(consent.information)
    if not sent:
        raise ValidationError(NOTHING_TO_SEND)
    problems = _range_problems(consent, start, end, today)
    if problems:
        raise ValidationError(problems)
    split = export_split(
        actor=actor,
        client_ids=[client.pk],
        recipient=consent.recipient,
        information=sent,
        export=ExportKind.NAMED_RECIPIENT,
        service_dates=None,
    )
    if split.consents.get(client.pk) != consent:
        raise ValidationError(NOT_COVERED)
    rows = disclosure_rows(actor, client, sent, start=start, end=end)
    dated = sorted(row[1] for row in rows if row[1])
    return OutgoingFile.objects.create(
        consent=consent,
        client=client,
        recipient=consent.recipient,
        information=sent,
        service_from=date.fromisoformat(dated[0]) if dated else start,
        service_to=date.fromisoformat(dated[-1]) if dated else end,
        file_text=_file_text(
            actor=actor, consent=consent, rows=rows, start=start, end=end, today=today
        ),
        created_by=actor,
    )


@transaction.atomic
def outgoing_file_mark_sent(*, actor: User, file_pk, sent_on, sent_by: str) -> Disclosure:
    """Staff sent the file (on `sent_on`, by `sent_by`): the consent is
    checked again now and the Disclosure recorded (42 CFR 2.25; 45 CFR
    164.528(b)(2): the date sent, the recipient and address, the kinds and
    dates of service the file holds, the purpose) and linked to the file.
    Refused, nothing recorded: marked already, a date to come or before the
    download, or a consent revoked or ended since the download (the file may
    not be sent)."""
    outgoing = outgoing_file_for_change(actor, file_pk)
    consent = consent_for_change(actor, outgoing.consent_id, scope=consent_staff_scope)
    client = consent.client
    today = local_today(client)
    if outgoing.sent_at is not None:
        raise ValidationError("This file was marked sent already.")
    if sent_by not in SentBy.values:
        raise ValidationError("Say how the file was sent.")
    made_on = timezone.localtime(outgoing.created_at, zone_of(client)).date()
    if not isinstance(sent_on, date) or sent_on > today or sent_on < made_on:
        raise ValidationError(
            f"Give the day it was sent: from {made_on:%-d %b %Y} (the download) to today."
        )
    if consent.revoked_at is not None:
        raise ValidationError(
            f"The client revoked this consent on {consent.revoked_at:%-d %b %Y}: the file "
            "must not be sent. Nothing was recorded."
        )
    split = export_split(
        actor=actor,
        client_ids=[client.pk],
        recipient=outgoing.recipient,
        information=outgoing.information,
        export=ExportKind.NAMED_RECIPIENT,
        service_dates=None,
        on_day=sent_on,
    )
    if split.consents.get(client.pk) != consent:
        raise ValidationError(
            "This consent is no longer active (ended or past its end date): the file must "
            "not be sent. Nothing was recorded."
        )
    at = timezone.now() if sent_on == today else sent_moment(sent_on, client)
    (disclosure,) = disclosures_record(
        actor=actor,
        export=ExportKind.NAMED_RECIPIENT,
        recipient=outgoing.recipient,
        information=outgoing.information,
        consents={client.pk: consent},
        service_dates={client.pk: (outgoing.service_from, outgoing.service_to)},
        description="Disclosure to a named recipient (CSV)",
        sent_by=sent_by,
        at=at,
    )
    outgoing.sent_at, outgoing.marked_sent_by = at, actor
    outgoing.sent_by, outgoing.disclosure = sent_by, disclosure
    outgoing.save(update_fields=["sent_at", "marked_sent_by", "sent_by", "disclosure"])
    return disclosure
