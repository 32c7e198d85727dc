"""The accounting of disclosures of one client (42 CFR 2.25; 45 CFR
164.528(b)): every Disclosure about them, newest first, each with the date
it was sent, the recipient's name and address, what went (kinds in plain
words, dates of service), the purpose, how it went, and the consent (signed
on) or the exception it relied on. The same rows for the client ("Who my
information went to") and for staff (on the client's consents page).

Read through `client_accounting_for_viewing`: 404 for a client whose
consents `user` may not see, audited as "consents.view" like
client_consents_for_viewing (the client's "Who viewed my record" says
"looked at your consents and what was shared"). A fixed number of queries
whatever the number of disclosures.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.models import Role, User
from accounts.policy import consent_scope, consent_staff_scope
from coaching.consent_wording import in_plain_words
from coaching.models import Disclosure, ExportKind
from coaching.selectors.acting import holds
from coaching.selectors.consents import EXCEPTION_WORDS, SENT_BY_WORDS, disclosures_visible_to

HOW_WORDS = {
    ExportKind.CLAIM_FILE: gettext_lazy("in a claim file"),
    ExportKind.NAMED_RECIPIENT: gettext_lazy("in a file from this app"),
}


@dataclass(frozen=True)
class AccountingEntry:
    """One disclosure as the accounting states it."""

    pk: int
    sent_at: datetime
    recipient: str
    address: str
    what: str  # the kinds, in plain words
    kinds: list[str]  # the kinds, as the consent lists them
    service_from: date | None
    service_to: date | None
    purpose: str
    how: str
    consent_signed_at: datetime | None
    exception: str  # empty under a consent
    by: str
    outside_app: bool


def _entry(disclosure: Disclosure) -> AccountingEntry:
    consent = disclosure.consent
    recipient = disclosure.recipient
    if disclosure.export == ExportKind.OUTSIDE_APP:
        means = SENT_BY_WORDS.get(disclosure.sent_by, disclosure.sent_by)
        how = _("by %(means)s, outside this app") % {"means": means}
    else:
        how = HOW_WORDS.get(disclosure.export, "")
    return AccountingEntry(
        pk=disclosure.pk,
        sent_at=disclosure.at,
        recipient=disclosure.recipient_label,
        # Rows from before coaching 0017 kept neither: the consent's own.
        address=disclosure.recipient_address or (recipient.address if recipient else ""),
        what=in_plain_words(disclosure.information),
        kinds=disclosure.information_labels(),
        service_from=disclosure.service_from,
        service_to=disclosure.service_to,
        purpose=disclosure.purpose or (consent.purpose if consent else ""),
        how=how,
        consent_signed_at=consent.signed_at if consent else None,
        exception=EXCEPTION_WORDS.get(disclosure.basis, "") if consent is None else "",
        by=disclosure.by.display_name,
        outside_app=disclosure.export == ExportKind.OUTSIDE_APP,
    )


def accounting_of(viewer: User, client: User) -> list[AccountingEntry]:
    """Every disclosure about `client` that `viewer` may see, newest sent
    first. One query."""
    disclosures = disclosures_visible_to(viewer).filter(client=client).order_by("-at", "-pk")
    return [_entry(disclosure) for disclosure in disclosures]


def client_accounting_for_viewing(user: User, pk: int) -> dict:
    """The accounting of the client `pk` ("client", "entries", "may_manage":
    whether `user` records disclosures for them): 404 for a client whose
    consents `user` may not see. Audited as "consents.view" (as
    client_consents_for_viewing). Three queries with the audit row."""
    clients = User.objects.filter(consent_scope(user, "pk"), role=Role.CLIENT).annotate(
        may_manage=holds(consent_staff_scope(user, "pk"))
    )
    client = get_object_or_404(clients, pk=pk)
    audit_record(actor=user, action="consents.view", obj=client, client=client)
    return {
        "client": client,
        "entries": accounting_of(user, client),
        "may_manage": client.may_manage,
    }
