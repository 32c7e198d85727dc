"""Reads of consents and disclosures, scoped through the access policy
(accounts/policy.py: consent_scope and its kin), and the one question every
export asks: which consent covers this client, now, for this recipient and
this information (`consents_covering`).
"""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Role, User
from accounts.policy import consent_scope, consent_signer_scope, consent_staff_scope
from coaching.models import Consent, Disclosure, Information, Recipient, Step
from coaching.selectors.episodes import episodes_visible_to
from coaching.selectors.plans import goals_visible_to
from coaching.selectors.trust import checkins_visible_to
from common.dates import local_today
from sessions_log.models import Session
from sessions_log.selectors import notes_visible_to, sessions_visible_to

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
        return ConsentState("draft", "Waiting to be signed")
    if consent.revoked_at is not None:
        if consent.revoked_by_id == consent.client_id:
            return ConsentState("revoked", "Revoked")
        return ConsentState("ended", "Ended by staff")
    if consent.ends_on is not None and consent.ends_on < today:
        return ConsentState("expired", "Ended on its end date")
    return ConsentState("active", "Active")


# What each kind of information is, in the words the client's page uses:
# "Dana Lee sent your attendance and service record to Acme Health Plan".
PLAIN = {
    Information.SERVICE_RECORD: "your attendance and service record",
    Information.BILLING_IDS: "the identifiers a payer needs to bill (date of birth, member id)",
    Information.EPISODES: "your episodes of care (when you started and left, and why)",
    Information.RECOVERY_PLAN: "your recovery plan",
    Information.SESSION_NOTES: "your signed session notes",
    Information.CHECKINS: "your check-in scores",
}


def in_plain_words(kinds: Iterable[str]) -> str:
    """ "your recovery plan and your check-in scores"."""
    order = {kind: position for position, kind in enumerate(Information.values)}
    phrases = [PLAIN.get(kind, kind) for kind in sorted(kinds, key=lambda k: order.get(k, 99))]
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _with_state(consents: list[Consent], today: date) -> list[Consent]:
    for consent in consents:
        consent.state = consent_state(consent, today)
    return consents


def consents_page(viewer: User, client: User, *, action: str = "consents.view") -> dict:
    """A client's consents (newest first, each with `state`) and the
    disclosures made under them, as far as `viewer` may see them. Audited
    (`action`). Three queries: the audit row, the consents, the disclosures."""
    audit_record(actor=viewer, action=action, obj=client, client=client)
    today = local_today(client)
    consents = _with_state(
        list(consents_visible_to(viewer).filter(client=client).order_by("-prepared_at", "-pk")),
        today,
    )
    disclosures = list(disclosures_visible_to(viewer).filter(client=client))
    for disclosure in disclosures:
        disclosure.plain = in_plain_words(disclosure.information)
    return {"consents": consents, "disclosures": disclosures, "today": today}


def consent_page(viewer: User, consent: Consent) -> dict:
    """One consent (with `state`) and the disclosures made under it. Audited
    as "consent.view". Two queries and the audit row."""
    audit_record(actor=viewer, action="consent.view", obj=consent, client=consent.client)
    consent.state = consent_state(consent, local_today(consent.client))
    disclosures = list(disclosures_visible_to(viewer).filter(consent=consent))
    for disclosure in disclosures:
        disclosure.plain = in_plain_words(disclosure.information)
    return {
        "consent": consent,
        "plain": in_plain_words(consent.information),
        "disclosures": disclosures,
    }


# ------------------------------------------- what a disclosure sends


def _time(moment, zone) -> str:
    return timezone.localtime(moment, zone).strftime("%H:%M")


def disclosure_rows(viewer: User, client: User, information: Iterable[str]) -> list[list[str]]:
    """The covered information of one client, as rows (section, date, item,
    detail) for a named-recipient disclosure: only the kinds in
    `information`, only what `viewer` may see. Dates and times in the
    client's time zone. A query or two per kind, whatever the amount.
    Check-ins go as scores, never their comments; episodes as dates and
    reasons, never the discharge summary."""
    zone = zoneinfo.ZoneInfo(client.time_zone or "UTC")
    kinds = set(information)
    rows: list[list[str]] = []
    if Information.SERVICE_RECORD in kinds:
        section = "Attendance and service record"
        for session in (
            sessions_visible_to(viewer)
            .filter(client=client)
            .exclude(status=Session.Status.SCHEDULED)
            .order_by("starts_at")
        ):
            minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
            rows.append(
                [
                    section,
                    timezone.localtime(session.starts_at, zone).date().isoformat(),
                    f"{_time(session.starts_at, zone)}-{_time(session.ends_at, zone)}",
                    f"{session.get_status_display()}, {session.get_modality_display()}, "
                    f"{minutes} minutes",
                ]
            )
    if Information.BILLING_IDS in kinds:
        # The payer identifiers are kept with the billing record; none here yet.
        rows.append(["Identifiers for billing", "", "", "None recorded"])
    if Information.EPISODES in kinds:
        section = "Episodes of care"
        for episode in episodes_visible_to(viewer).filter(client=client).order_by("intake_date"):
            rows.append(
                [section, episode.intake_date.isoformat(), "Intake", episode.referral_source.name]
            )
            if episode.discharge_date:
                rows.append(
                    [
                        section,
                        episode.discharge_date.isoformat(),
                        "Discharge",
                        episode.get_discharge_reason_display(),
                    ]
                )
    if Information.RECOVERY_PLAN in kinds:
        section = "Recovery plan"
        goals = (
            goals_visible_to(viewer)
            .filter(plan__client=client)
            .select_related("area")
            .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("pk")))
            .order_by("pk")
        )
        for goal in goals:
            rows.append([section, "", f"Goal: {goal.area.name}", goal.words])
            if goal.why:
                rows.append([section, "", "Why it matters", goal.why])
            for step in goal.steps.all():
                rows.append([section, "", f"Step ({step.get_state_display()})", step.action])
    if Information.SESSION_NOTES in kinds:
        section = "Signed session notes"
        notes = (
            notes_visible_to(viewer)
            .filter(session__client=client, signed_at__isnull=False)
            .select_related("session")
            .order_by("session__starts_at")
        )
        for note in notes:
            day = timezone.localtime(note.session.starts_at, zone).date().isoformat()
            for label, text in (
                ("Goals worked on", note.goals),
                ("What happened", note.narrative),
                ("The client's words", note.client_words),
                ("Next steps", note.next_steps),
            ):
                if text:
                    rows.append([section, day, label, text])
    if Information.CHECKINS in kinds:
        section = "Trust check-ins"
        for checkin in checkins_visible_to(viewer).filter(client=client).order_by("created_at"):
            rows.append(
                [
                    section,
                    timezone.localtime(checkin.created_at, zone).date().isoformat(),
                    "Score (0-100)",
                    str(checkin.score),
                ]
            )
    return rows
