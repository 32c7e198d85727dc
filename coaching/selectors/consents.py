"""Reads of consents and disclosures, scoped through the access policy
(accounts/policy.py: consent_scope and its kin), and the one question every
export asks: which consent covers this client, now, for this recipient and
this information (`consents_covering`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from accounts.models import Role, User
from accounts.policy import consent_scope, consent_signer_scope, consent_staff_scope
from coaching.models import Consent, Disclosure, Information, Recipient

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


def covering_queryset(
    *,
    client_ids: Iterable[int],
    recipient: Recipient | int,
    information: Iterable[str],
    on_day: date,
) -> QuerySet[Consent]:
    """The consents in force on `on_day` for these clients that name
    `recipient` (the same row: see coaching/models/consents.py) and cover
    every kind in `information`, newest signature first per client. The rule
    in words is Consent.in_force_on's."""
    return (
        Consent.objects.filter(
            client_id__in=list(client_ids),
            recipient_id=getattr(recipient, "pk", recipient),
            signed_at__isnull=False,
            # A revocation takes effect at once: no export after it, whatever the day.
            revoked_at__isnull=True,
            information__contains=_checked_kinds(information),
        )
        # It still holds on its end date.
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on_day))
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
    on_day: date,
) -> dict[int, Consent]:
    """For each client who has one, the consent that covers disclosing
    `information` (kinds from `Information`, all of them) to `recipient` on
    `on_day` (the day the export leaves, in the organisation's calendar):
    signed, not revoked, not past its end date, naming that recipient. The
    newest signature wins where several do. Clients without one are absent.
    One query, whatever the number of clients."""
    return newest_per_client(
        covering_queryset(
            client_ids=client_ids, recipient=recipient, information=information, on_day=on_day
        ).select_related("recipient")
    )


# ------------------------------------------------------- for the pages


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
            return ConsentState("expired", "Not signed, past its end date")
        return ConsentState("draft", "Waiting for the client's signature")
    if consent.revoked_at is not None:
        if consent.revoked_by_id == consent.client_id:
            return ConsentState("revoked", "Revoked")
        return ConsentState("ended", "Ended by staff")
    if consent.ends_on is not None and consent.ends_on < today:
        return ConsentState("expired", "Ended on its end date")
    return ConsentState("active", "Active")
