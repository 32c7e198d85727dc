"""Reads of consents and disclosures, scoped through the access policy
(accounts/policy.py: consent_scope and its kin), and the one question every
export asks: which consent covers this client, now, for this recipient and
this information (`consents_covering`).

A consent is read through `consent_for_viewing` (a client's consents through
`client_consents_for_viewing`): 404 for one someone may not see, as for one
that does not exist, and the one place the read is audited. It is changed
through `consent_for_change` (the acting scope, its row locked); a new one
is prepared through `consent_client_for_change`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import DateTimeField, Exists, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.audit import audit_record
from accounts.models import PayerIdentity, Role, User
from accounts.policy import consent_scope, consent_signer_scope, consent_staff_scope
from coaching.consent_wording import consent_sections, in_plain_words
from coaching.models import (
    Basis,
    Consent,
    Disclosure,
    Information,
    PurposeKind,
    Recipient,
    SentBy,
)
from coaching.models.consents import RevokedHow
from coaching.selectors.acting import holds
from coaching.selectors.episodes import local_date
from common.dates import local_today

# ------------------------------------------------------------- the records


def consents_visible_to(user: User) -> QuerySet[Consent]:
    return Consent.objects.filter(consent_scope(user)).select_related(
        "recipient", "prepared_by", "revoked_by"
    )


def consents_signable_by(user: User) -> QuerySet[Consent]:
    """The consents `user` signs or revokes: a client's own."""
    return Consent.objects.filter(consent_signer_scope(user)).select_related(
        "recipient", "prepared_by", "revoked_by"
    )


def consents_waiting_for(client: User) -> list[Consent]:
    """The consents prepared for `client` that wait for their signature (not
    past their end date in their own day), oldest first: the client's home
    shows them. One query."""
    return list(
        consents_signable_by(client)
        .filter(signed_at__isnull=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=local_today(client)))
        .order_by("prepared_at", "pk")
    )


def consents_managed_by(user: User) -> QuerySet[Consent]:
    """The consents `user` ends or discloses under, as staff."""
    return Consent.objects.filter(consent_staff_scope(user)).select_related("recipient")


def consent_clients_managed_by(user: User) -> QuerySet[User]:
    """The clients whose consents page `user` opens as staff."""
    return User.objects.filter(consent_staff_scope(user, "pk"), role=Role.CLIENT)


def disclosures_visible_to(user: User) -> QuerySet[Disclosure]:
    return Disclosure.objects.filter(consent_scope(user)).select_related(
        "recipient", "by", "consent"
    )


def recipients_for(client: User) -> QuerySet[Recipient]:
    """Whom a consent for `client` may name: the organisations on the admins'
    list, and the people this client named before."""
    return Recipient.objects.filter(
        Q(kind=Recipient.Kind.ORGANISATION, client__isnull=True) | Q(client=client), active=True
    )


# ------------------------------------------------------ reading, changing


def _consent_clients(user: User) -> QuerySet[User]:
    """The clients whose consents `user` sees, each with what `user` may do
    (may_manage: prepare, end, disclose; may_sign: sign, revoke), in the
    same query."""
    return User.objects.filter(consent_scope(user, "pk"), role=Role.CLIENT).annotate(
        may_manage=holds(consent_staff_scope(user, "pk")),
        may_sign=holds(consent_signer_scope(user, "pk")),
    )


def client_consents_for_viewing(user: User, pk: int) -> dict:
    """The consents page of the client `pk` (consents_page), with "client":
    404 for a client whose consents `user` may not see. Audited as
    "consents.view" (here, and nowhere else)."""
    client = get_object_or_404(_consent_clients(user), pk=pk)
    audit_record(actor=user, action="consents.view", obj=client, client=client)
    return {**consents_page(user, client), "client": client}


def consent_for_viewing(user: User, pk: int) -> dict:
    """The page of one consent (consent_page): 404 for a consent `user` may
    not see, as for one that does not exist. Audited as "consent.view"
    (here, and nowhere else)."""
    consent = get_object_or_404(
        consents_visible_to(user)
        .select_related("client", "recipient")
        .annotate(
            may_manage=holds(consent_staff_scope(user)),
            may_sign=holds(consent_signer_scope(user)),
        ),
        pk=pk,
    )
    audit_record(actor=user, action="consent.view", obj=consent, client=consent.client)
    return consent_page(user, consent)


def consent_for_change(user: User, pk: int, *, scope=consent_signer_scope) -> Consent:
    """The consent `pk`, its row locked (a revocation waits for an export
    that relies on it, and the other way round), if `user` is within the
    acting `scope` (consent_signer_scope: sign, revoke; consent_staff_scope:
    end, disclose). PermissionDenied otherwise. Call it inside the
    transaction that writes."""
    consent = (
        Consent.objects.select_for_update(of=("self",))
        .select_related("client", "recipient")
        .filter(scope(user), pk=pk)
        .first()
    )
    if consent is None:
        raise PermissionDenied
    return consent


def consent_client_for_change(user: User, pk: int) -> User:
    """The client `pk` for whom `user` prepares a consent
    (consent_staff_scope), their row locked; PermissionDenied otherwise."""
    clients = User.objects.select_for_update(of=("self",))
    client = clients.filter(consent_staff_scope(user, "pk"), role=Role.CLIENT, pk=pk).first()
    if client is None:
        raise PermissionDenied
    return client


@dataclass(frozen=True)
class ConsentPermissions:
    """What the consents pages offer: from the same acting scopes as the
    services."""

    can_manage: bool = False  # prepare, end, disclose (staff)
    can_sign: bool = False  # sign, revoke (the client)


def permissions_for(user: User, record: User | Consent) -> ConsentPermissions:
    """What `user` may do with a client's consents (`record` a client) or
    one consent. No query for a record from the *_for_viewing selectors
    (their flags came with them)."""
    if not hasattr(record, "may_manage"):
        found = (
            _consent_clients(user)
            if isinstance(record, User)
            else consents_visible_to(user).annotate(
                may_manage=holds(consent_staff_scope(user)),
                may_sign=holds(consent_signer_scope(user)),
            )
        )
        record = found.filter(pk=record.pk).first()
        if record is None:
            return ConsentPermissions()
    return ConsentPermissions(can_manage=record.may_manage, can_sign=record.may_sign)


def payers() -> QuerySet[Recipient]:
    """The organisations on the admins' list (payers among them): what an
    export to an organisation, such as the claim file, is addressed to."""
    return Recipient.objects.filter(kind=Recipient.Kind.ORGANISATION, active=True)


# -------------------------------------------------------------- in force


def _checked_kinds(information: Iterable[str]) -> list[str]:
    kinds = sorted(set(information))
    unknown = [kind for kind in kinds if kind not in Information.values]
    if unknown or not kinds:
        raise ValueError(f"Not a kind of information a consent covers: {unknown or 'none'}")
    return kinds


def client_today(client_ref: str = "client") -> Cast:
    """Today in the time zone of the client `client_ref` points at, in SQL
    (the organisation's for one without a zone): common.dates.local_today
    for many rows."""
    zone = Coalesce(NullIf(F(f"{client_ref}__time_zone"), Value("")), Value(settings.TIME_ZONE))
    # The app's clock, not the database's: the same instant as local_today.
    return local_date(Value(timezone.now(), output_field=DateTimeField()), zone)


def covering_queryset(
    *,
    client_ids: Iterable[int],
    recipient: Recipient | int,
    information: Iterable[str],
    on_day: date | None = None,
) -> QuerySet[Consent]:
    """The consents in force for these clients that name `recipient` (the
    same row: see coaching/models/consents.py) and cover every kind in
    `information`, newest signature first per client. In force on `on_day`,
    or, without one, on each client's own today (an end date counts in the
    client's day, not the server's: a consent ending on the 3rd still holds
    at 13:00 UTC on the 4th for a client in Honolulu). The rule in words is
    Consent.in_force_on's."""
    last_day = client_today() if on_day is None else Value(on_day)
    recipient_id = getattr(recipient, "pk", recipient)
    # The single TPO consent (2.33(a)(2)) names a class of recipients (its
    # providers, health plans, payers and those helping run the program):
    # it covers any organisation on the list, never a person a client named.
    tpo_covers = Q(purpose_kind=PurposeKind.TPO) & Exists(
        Recipient.objects.filter(pk=recipient_id, kind=Recipient.Kind.ORGANISATION)
    )
    return (
        Consent.objects.filter(Q(recipient_id=recipient_id) | tpo_covers)
        .filter(
            client_id__in=list(client_ids),
            signed_at__isnull=False,
            # A revocation takes effect at once: no export after it, whatever the day.
            revoked_at__isnull=True,
            information__contains=_checked_kinds(information),
        )
        # It still holds on its end date.
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=last_day))
        .order_by("client_id", "-signed_at", "-pk")
    )


def newest_per_client(consents: Iterable[Consent]) -> dict[int, Consent]:
    chosen: dict[int, Consent] = {}
    for consent in consents:  # newest first within each client
        chosen.setdefault(consent.client_id, consent)
    return chosen


def consents_covering(
    *,
    client_ids: Iterable[int],
    recipient: Recipient | int,
    information: Iterable[str],
    on_day: date | None = None,
) -> dict[int, Consent]:
    """For each client who has one, the consent that covers disclosing
    `information` (kinds from `Information`, all of them) to `recipient`
    today in each client's own calendar (or on `on_day`):
    signed, not revoked, not past its end date, naming that recipient. The
    newest signature wins where several do. Clients without one are absent.
    One query, whatever the number of clients."""
    return newest_per_client(
        covering_queryset(
            client_ids=client_ids, recipient=recipient, information=information, on_day=on_day
        ).select_related("recipient")
    )


# ------------------------------------------------------- for the pages

# Under what a disclosure without consent went, and how one outside the
# app went, in the words the client reads ("... relying on ...").
EXCEPTION_WORDS = {
    Basis.EMERGENCY: gettext_lazy("without your consent, in a medical emergency (42 CFR 2.51)"),
    Basis.AUDIT: gettext_lazy("without your consent, for an audit or evaluation (42 CFR 2.53)"),
    Basis.ORDER_NONCRIMINAL: gettext_lazy(
        "without your consent, under a court order (42 CFR 2.64)"
    ),
    Basis.ORDER_CRIMINAL: gettext_lazy(
        "without your consent, under a court order in a criminal case (42 CFR 2.65)"
    ),
}
# How a disclosure outside the app went ("phone, outside this app").
SENT_BY_WORDS = {
    SentBy.APP_FILE: gettext_lazy("a file from this app"),
    SentBy.PHONE: gettext_lazy("phone"),
    SentBy.PAPER: gettext_lazy("paper, by post or by hand"),
    SentBy.FAX: gettext_lazy("fax"),
    SentBy.EMAIL: gettext_lazy("email"),
    SentBy.IN_PERSON: gettext_lazy("in person"),
    SentBy.OTHER: gettext_lazy("other"),
}


def _with_words(disclosures: list[Disclosure]) -> list[Disclosure]:
    """Each disclosure with what went (`plain`), how it went outside the app
    (`sent_by_words`) and the exception it relied on (`exception`), in the viewer's
    language."""
    for disclosure in disclosures:
        disclosure.plain = in_plain_words(disclosure.information)
        disclosure.sent_by_words = SENT_BY_WORDS.get(disclosure.sent_by, "")
        disclosure.exception = EXCEPTION_WORDS.get(disclosure.basis, "")
    return disclosures


@dataclass(frozen=True)
class ConsentState:
    key: str  # "draft", "active", "expired", "revoked", "ended"
    label: str


def consent_state(consent: Consent, today: date) -> ConsentState:
    """Where a consent stands, in words for the pages: awaiting the client's
    signature, active, past its end date, revoked by the client, or ended by
    staff (the event happened, or the client asked them to)."""
    if consent.signed_at is None:
        if consent.ends_on is not None and consent.ends_on < today:
            return ConsentState("expired", _("Not signed, past its end date"))
        return ConsentState("draft", _("Waiting to be signed"))
    if consent.revoked_at is not None:
        if consent.revoked_how == RevokedHow.IN_WRITING:
            return ConsentState("revoked", _("Revoked in writing"))
        if consent.revoked_how == RevokedHow.IN_APP:
            return ConsentState("revoked", pgettext("consent", "Revoked"))
        return ConsentState("ended", _("Ended by staff"))
    if consent.ends_on is not None and consent.ends_on < today:
        return ConsentState("expired", _("Ended on its end date"))
    return ConsentState("active", pgettext("consent", "Active"))


def _with_state(consents: list[Consent], today: date) -> list[Consent]:
    for consent in consents:
        consent.state = consent_state(consent, today)
    return consents


def consents_page(viewer: User, client: User) -> dict:
    """A client's consents (newest first, each with `state`) and the
    disclosures made under them, as far as `viewer` may see them. Two
    queries (client_consents_for_viewing audits them)."""
    today = local_today(client)
    consents = _with_state(
        list(consents_visible_to(viewer).filter(client=client).order_by("-prepared_at", "-pk")),
        today,
    )
    disclosures = _with_words(list(disclosures_visible_to(viewer).filter(client=client)))
    return {"consents": consents, "disclosures": disclosures, "today": today}


def consent_page(viewer: User, consent: Consent) -> dict:
    """One consent (with `state`) and the disclosures made under it. One
    query (consent_for_viewing audits it)."""
    consent.state = consent_state(consent, local_today(consent.client))
    disclosures = _with_words(list(disclosures_visible_to(viewer).filter(consent=consent)))
    return {
        "consent": consent,
        "plain": in_plain_words(consent.information),
        # What was signed, as kept; a draft's words as they stand now.
        "sections": [] if consent.signed_at else consent_sections(consent),
        "disclosures": disclosures,
    }


def legal_name_on_file(client: User) -> str:
    """The client's legal name as their payer identity holds it (first and
    last), to start a consent's; empty when none is on file. One query."""
    identity = PayerIdentity.objects.filter(client=client).first()
    if identity is None:
        return ""
    return " ".join(part for part in (identity.legal_first_name, identity.legal_last_name) if part)
