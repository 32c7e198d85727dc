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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record_many
from accounts.models import Role, User
from accounts.policy import consent_staff_scope
from coaching.models import Consent, Disclosure, ExportKind, Recipient
from coaching.notices import NOTICE_VERSION, STATEMENT_1
from coaching.selectors.consents import consent_for_change, covering_queryset, newest_per_client
from coaching.selectors.disclosures import disclosure_rows, named_recipient_kinds
from common.dates import local_today

# ------------------------------------------------------------ disclosures


def disclosures_record(
    *,
    actor: User,
    export: str,
    recipient: Recipient | None,
    information: Iterable[str],
    consents: dict[int, Consent | None],
    description: str = "",
    details: dict | None = None,
) -> list[Disclosure]:
    """One Disclosure per client in `consents` (client id -> the consent
    relied on, None under an exception), all in one statement, and an audit
    event per client ("disclosure.record", which the client's "Who viewed my
    record" lists). `details`: further fields of every row (a disclosure made
    outside the app gives its basis, recipient name and address, purpose,
    dates of service, how and when it was sent and its notice version).
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
                **{"at": at, "notice_version": NOTICE_VERSION, **(details or {})},
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
