"""Reads for claim batches (issue 27): which billable lines are ready to
send, which are left out and every reason why, and the batches made.

A line is ready when the session bills (sessions_log/billing.py: billable,
then claim_lines under the programme's unit rule and cap), is of a client
staff who bill may claim for (accounts/policy/billing.py claim_scope), is on
no live claim line, and everything a payer needs is present: the member id,
date of birth, legal name, sex and address; the coach's rendering NPI; an
episode open on the day with a diagnosis (and a prior authorisation where
the programme needs one); the programme's payer id, fee per unit and place
code; the client's consent naming the payer. Anything missing is listed,
never billed blank. What an organisation lacks is `organisation_problems`.

Batches are read through `batches_for_viewing` (no client named) and
`batch_for_viewing` (audited, "claim_batch.view"); changed through
`batch_for_change` and `sent_claim_for_change` (locked)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy.billing import claim_scope
from coaching.models import (
    LIVE_STATES,
    ClaimLine,
    Episode,
    ProgrammePayer,
)
from coaching.selectors.billing import CLAIM_INFORMATION
from coaching.selectors.claim_batches import (  # noqa: F401 (the claims API)
    ClaimPermissions,
    batch_for_change,
    batch_for_viewing,
    batches_for_viewing,
    permissions_for,
    sent_claim_for_change,
)
from coaching.selectors.claim_checks import (
    coach_problems,
    episode_on,
    episode_problems,
    identity_problems,
    organisation_problems,
)
from coaching.selectors.consents import consents_covering
from coaching.selectors.episodes import local_date
from coaching.x12 import identifiers as ids
from sessions_log import billing
from sessions_log.models import FundingProgramme, Session

__all__ = [
    "NotReady",
    "Ready",
    "ReadyLine",
    "ClaimPermissions",
    "batch_for_change",
    "batch_for_viewing",
    "batches_for_viewing",
    "organisation_problems",
    "permissions_for",
    "ready_for_viewing",
    "ready_lines",
    "sent_claim_for_change",
]

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class ReadyLine:
    """One billable line with everything a payer needs present."""

    session: Session
    programme: FundingProgramme
    client: User
    coach: User
    episode: Episode
    service_date: date
    code: str
    modifiers: tuple[str, ...]
    place_of_service: str
    minutes: int
    units: int
    charge: Decimal


@dataclass(frozen=True)
class NotReady:
    """A billable-looking session left out, with every reason."""

    session: Session
    programme: FundingProgramme
    client: User
    service_date: date
    minutes: int | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ready:
    """The ready lines, those left out (with why) and, apart, the sessions
    already on a live claim line (`billed`, the reason naming the batch)."""

    lines: list[ReadyLine]
    left_out: list[NotReady]
    billed: list[NotReady] = field(default_factory=list)


def _sessions(viewer: User, programmes, start: date, end: date, client_ids=None, freeing=None):
    """The billable sessions of `programmes` on the clients' days
    start..end, with their billed time and the batch of the live line
    holding each (`live_batch`; a line of claim `freeing` does not count:
    it is being replaced). One query."""
    live = ClaimLine.objects.filter(session=OuterRef("pk"), state__in=LIVE_STATES)
    if freeing is not None:
        live = live.exclude(claim_id=freeing)
    sessions = billing.with_billed_time(
        Session.objects.filter(
            billing.billable(),
            claim_scope(viewer),
            funding_programme__in=[programme.pk for programme in programmes],
        )
    )
    if client_ids is not None:
        sessions = sessions.filter(client_id__in=client_ids)
    return (
        sessions.annotate(
            day=local_date("billed_start", "client__time_zone"),
            live_batch=Subquery(live.values("claim__batch_id")[:1]),
        )
        .filter(day__gte=start, day__lte=end)
        .select_related(
            "client",
            "client__payer_identity",
            "coach",
            "coach__provider_identity",
            "service_code",
            "funding_programme",
            "note",
        )
        .order_by("funding_programme__position", "funding_programme__name", "day", "billed_start")
    )


def _dates_problems(consent, day) -> list[str]:
    """A line dated outside the dates of information the consent states is
    not billed under it (42 CFR 2.31(a)(3), 2.13(a) minimum necessary)."""
    low, high = consent.information_from, consent.information_to
    if (low and day < low) or (high and day > high):
        stated = f"{low or 'any date'} to {high or 'now'}"
        return [
            f"Dated {day}, outside the dates of information its consent covers ({stated}): "
            "not billed under it."
        ]
    return []


def _not_ready(session: Session, reasons) -> NotReady:
    return NotReady(
        session=session,
        programme=session.funding_programme,
        client=session.client,
        service_date=billing.client_day(session),
        minutes=billing.session_minutes(session),
        reasons=tuple(reasons),
    )


def line_mapping(session: Session) -> tuple[str, tuple[str, ...], list[str]]:
    """The place-of-service code and modifiers a session's line carries
    under its programme, and what stops them: POS = the programme's code for
    the session's place; modifiers = the service code's (e.g. HQ), then the
    programme's telehealth modifier for the contact mode (95, 93, GT)."""
    programme, problems = session.funding_programme, []
    place = billing.place_code(session)
    if ids.place_of_service_error(place):
        problems.append(
            f"{programme.name} has no place-of-service code for "
            f"{session.get_place_type_display().lower()}."
        )
    modifiers = list(session.service_code.modifiers.split())
    remote = (programme.telehealth_modifiers or {}).get(session.modality, "")
    if remote and remote not in modifiers:
        modifiers.append(remote)
    if len(modifiers) > 4:
        problems.append(f"More than 4 modifiers: {' '.join(modifiers)}.")
    for modifier in modifiers:
        if ids.modifier_error(modifier):
            problems.append(ids.modifier_error(modifier))
    if ids.hcpcs_error(session.service_code.code):
        problems.append(ids.hcpcs_error(session.service_code.code))
    return place, tuple(modifiers), problems


def ready_lines(
    viewer: User,
    *,
    programmes,
    start: date,
    end: date,
    client_ids=None,
    only_sessions=None,
    freeing=None,
) -> Ready:
    """The ready lines of `programmes` on the clients' days start..end, the
    sessions left out with every reason, and those already billed. Four
    queries and one per payer (consents). Records nothing (services and the
    command call it; pages call ready_for_viewing). `client_ids`,
    `only_sessions` and `freeing` narrow it to a claim being replaced: its
    clients, its sessions (counted with their whole days), its own lines
    not counting as live."""
    programmes = list(programmes)
    sessions = list(_sessions(viewer, programmes, start, end, client_ids, freeing))
    payers = {
        payer.programme_id: payer
        for payer in ProgrammePayer.objects.filter(programme__in=programmes).select_related(
            "recipient"
        )
    }
    clients = {session.client_id for session in sessions}
    episodes = defaultdict(list)
    for episode in Episode.objects.filter(client_id__in=clients):
        episodes[episode.client_id].append(episode)
    covering = {
        payer.recipient_id: consents_covering(
            client_ids=clients,
            recipient=payer.recipient_id,
            information=CLAIM_INFORMATION,
        )
        for payer in payers.values()
        if clients
    }
    lines, excluded = billing.claim_lines(sessions)
    ready = Ready(lines=[], left_out=[], billed=[])
    for item in excluded:
        if only_sessions is None or item.session.pk in only_sessions:
            if item.session.live_batch:
                held = f"Already in claim batch {item.session.live_batch}."
                ready.billed.append(_not_ready(item.session, [held, item.reason]))
            else:
                ready.left_out.append(_not_ready(item.session, [item.reason]))
    for line in lines:
        session = line.session
        if only_sessions is not None and session.pk not in only_sessions:
            continue
        if session.live_batch:
            reason = f"Already in claim batch {session.live_batch}."
            ready.billed.append(_not_ready(session, [reason]))
            continue
        programme, day = session.funding_programme, billing.client_day(session)
        payer = payers.get(programme.pk)
        reasons = _programme_problems(programme, payer)
        reasons += identity_problems(getattr(session.client, "payer_identity", None))
        reasons += coach_problems(session.coach)
        episode = episode_on(episodes[session.client_id], day)
        reasons += episode_problems(episode, programme, day)
        consent = covering.get(payer.recipient_id, {}).get(session.client_id) if payer else None
        if payer and consent is None:
            reasons.append(
                f"No consent naming {payer.recipient.name} for the service record and "
                "billing identifiers."
            )
        elif consent is not None:
            reasons += _dates_problems(consent, day)
        place, modifiers, problems = line_mapping(session)
        reasons += problems
        if reasons:
            ready.left_out.append(_not_ready(session, reasons))
            continue
        ready.lines.append(
            ReadyLine(
                session=session,
                programme=programme,
                client=session.client,
                coach=session.coach,
                episode=episode,
                service_date=day,
                code=session.service_code.code,
                modifiers=modifiers,
                place_of_service=place,
                minutes=line.minutes,
                units=line.units,
                charge=(line.units * programme.fee_per_unit).quantize(CENTS),
            )
        )
    return ready


def _programme_problems(programme: FundingProgramme, payer: ProgrammePayer | None) -> list[str]:
    problems = []
    if payer is None:
        problems.append(f"Nobody is set to pay for {programme.name}: name its payer first.")
    elif not payer.payer_id.strip():
        problems.append(f"{programme.name}'s payer {payer.recipient.name} has no payer id.")
    if not programme.fee_per_unit or programme.fee_per_unit <= 0:
        problems.append(f"{programme.name} has no fee per unit set.")
    return problems


def ready_for_viewing(user: User, *, programmes, start: date, end: date) -> Ready:
    """`ready_lines` as the billing page shows it: the clients shown (ready,
    left out or already billed) audited as "claim.ready", here only."""
    ready = ready_lines(user, programmes=programmes, start=start, end=end)
    shown = [item.client for item in [*ready.lines, *ready.left_out, *ready.billed]]
    audit_clients_shown(actor=user, shown=[("claim.ready", shown)])
    return ready
