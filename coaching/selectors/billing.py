"""Reads for billing: the sessions a claim file holds (billable, of the
clients staff who bill may claim for: accounts/policy.py claim_scope), the
claim's rows, and who the claim would leave out for want of a consent.

A claim holds, per session: the date, start and end time (the client's
time zone: where the service was given), minutes, units and the units over
the daily cap with the coach's reason, the place of service, the service
code and its modifiers, who gave it and their credential at signing, what
it addressed (the services ticked on the note: never the note's words), the
client's name, date of birth and payer member id, the programme, and the
consent it is disclosed under.

The claim is read through `claim_for_viewing` (the one place its read is
audited; the funder report is selectors/funder_report.py); the claim
file is built from `claim_for_change` (staff who bill only: the acting rule;
its sessions locked while the export is made)."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import (
    QuerySet,
)

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy import bills, claim_scope
from coaching.models import (
    Information,
    ProgrammePayer,
)
from coaching.selectors.consents import consents_covering
from coaching.selectors.episodes import local_date
from sessions_log import billing
from sessions_log.models import FundingProgramme, Session

# What a claim file discloses, as the consents name it.
CLAIM_INFORMATION = [Information.SERVICE_RECORD, Information.BILLING_IDS]

CLAIM_HEADER = [
    "date of service",
    "start time",
    "end time",
    "minutes",
    "units",
    "units over daily cap",
    "place of service",
    "service code",
    "modifiers",
    "provider",
    "provider credential",
    "client",
    "date of birth",
    "payer member id",
    "programme",
]


def claim_programmes() -> QuerySet[FundingProgramme]:
    """The programmes that are billed (switched-off ones too: a claim for a
    past month may still be due)."""
    return FundingProgramme.objects.filter(billed=True)


def programme_payer(programme: FundingProgramme) -> ProgrammePayer | None:
    return ProgrammePayer.objects.select_related("recipient").filter(programme=programme).first()


def claim_sessions(
    viewer: User, *, start: date, end: date, programme: FundingProgramme
) -> QuerySet[Session]:
    """The billable sessions of `programme` on the days start..end (the
    client's calendar days of their actual start, corrected if an addendum
    did), of the clients `viewer` may claim for, in date order, with their
    billed time (billing.with_billed_time). One query, with each session's
    client, payer identity, coach, code and note."""
    day = local_date("billed_start", "client__time_zone")
    return (
        billing.with_billed_time(
            Session.objects.filter(
                billing.billable(), claim_scope(viewer), funding_programme=programme
            )
        )
        .annotate(day=day)
        .filter(day__gte=start, day__lte=end)
        .select_related(
            "client", "client__payer_identity", "coach", "service_code", "funding_programme", "note"
        )
        .order_by("day", "billed_start", "pk")
    )


def claim_for_change(
    user: User, *, start: date, end: date, programme: FundingProgramme
) -> list[Session]:
    """The billable sessions a claim file of `user` is made from
    (claim_sessions), their rows locked until the export commits (nothing
    about them changes under it); billing.claim_lines turns them into lines.
    Staff who bill only (policy.bills): PermissionDenied for anyone else.
    Call it inside the transaction that builds the export."""
    if not bills(user):
        raise PermissionDenied
    sessions = claim_sessions(user, start=start, end=end, programme=programme)
    return list(sessions.select_for_update(of=("self",), no_key=True))


def claim_for_viewing(user: User, *, start: date, end: date, programme: FundingProgramme) -> dict:
    """The claim page's preview (claim_preview), the clients it shows (on
    the file or left out) audited as "claim.preview": here, and nowhere
    else."""
    preview = claim_preview(user, start=start, end=end, programme=programme)
    shown = {client.pk: client for client in preview["clients"] + preview["left_out"]}
    shown.update({item["client"].pk: item["client"] for item in preview["not_billed"]})
    audit_clients_shown(actor=user, shown=[("claim.preview", list(shown.values()))])
    return preview


@dataclass(frozen=True)
class BillingPermissions:
    """What the billing pages offer: from the same policy as the services."""

    can_claim: bool = False
    # The funder report covers the organisation for staff who bill; for a
    # supervisor, the relationships their team held.
    team_only: bool = True


def permissions_for(user: User, record=None) -> BillingPermissions:
    """What `user` may do on the billing pages (`record` unused: billing
    acts on the organisation's claims, not one record). No query."""
    return BillingPermissions(can_claim=bills(user), team_only=not bills(user))


def claim_preview(viewer: User, *, start: date, end: date, programme: FundingProgramme) -> dict:
    """What a claim file would hold: its payer, the lines and billable units
    of the clients with a covering consent, the clients it would leave out
    (no active consent naming the payer for the service record and the
    billing identifiers), and the sessions no line bills, with why (a contact
    mode the programme does not pay for, no unit under its rule, units past
    its daily cap: sessions_log/billing.py claim_lines). Three queries;
    records nothing (the download does)."""
    payer = programme_payer(programme)
    lines, excluded = billing.claim_lines(
        list(claim_sessions(viewer, start=start, end=end, programme=programme))
    )
    clients = {line.session.client_id: line.session.client for line in lines}
    covering = (
        consents_covering(
            client_ids=list(clients),
            recipient=payer.recipient,
            information=CLAIM_INFORMATION,
        )
        if payer and clients
        else {}
    )
    included = [line for line in lines if line.session.client_id in covering]
    return {
        "payer": payer.recipient if payer else None,
        "sessions": len(included),
        "units": sum(line.units for line in included),
        "over_cap_units": sum(line.over_cap for line in included),
        "clients": sorted((clients[pk] for pk in covering), key=lambda c: c.display_name),
        "left_out": sorted(
            (client for pk, client in clients.items() if pk not in covering),
            key=lambda client: client.display_name,
        ),
        "left_out_sessions": len(lines) - len(included),
        "not_billed": [
            {
                "day": billing.client_day(item.session),
                "client": item.session.client,
                "minutes": billing.session_minutes(item.session),
                "reason": item.reason,
            }
            for item in excluded
        ],
    }


def claim_rows(lines: list[billing.ClaimLine]) -> list[list]:
    """The claim's rows, one per line with billable units (in the order
    given: by day and actual start). Units are the line's share of the
    client's day under the programme's rule; units past the daily cap are
    shown apart and never counted in "units". Only what a claim needs
    (42 CFR 2.13(a), minimum necessary): never the services the note ticked
    nor the coach's reason for going over the cap. The consent
    each client's lines go under is explained apart, once per client
    (coaching.notices.consent_scope, 42 CFR 2.32(b))."""
    rows = []
    for line in lines:
        session = line.session
        zone = zoneinfo.ZoneInfo(session.client.time_zone)
        starts = billing.session_start(session).astimezone(zone)
        ends = starts + timedelta(minutes=line.minutes)
        note, code = session.note, session.service_code
        identity = getattr(session.client, "payer_identity", None)
        rows.append(
            [
                starts.date().isoformat(),
                starts.strftime("%H:%M"),
                ends.strftime("%H:%M"),
                line.minutes,
                line.units,
                line.over_cap,
                # The CMS POS code the programme gives the place, and its name.
                f"{billing.place_code(session)} {session.get_place_type_display()}".strip(),
                code.code,
                " ".join(code.modifiers.split()),
                session.coach.display_name,
                note.signed_credential,
                session.client.display_name,
                identity.date_of_birth if identity else "",
                identity.member_id if identity else "",
                session.funding_programme.name,
            ]
        )
    return rows
