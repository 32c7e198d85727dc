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

The claim is read through `claim_for_viewing` and the funder report through
`funder_report_for_viewing` (the one place each read is audited); the claim
file is built from `claim_for_change` (staff who bill only: the acting rule;
its sessions locked while the export is made)."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import CaseloadAssignment, User
from accounts.policy import bills, claim_scope, funder_report_scope
from coaching.models import (
    Episode,
    Information,
    OutreachAttempt,
    ProgrammePayer,
)
from coaching.selectors.consents import consents_covering
from coaching.selectors.episodes import local_date
from coaching.selectors.remittances import line_state_counts, line_states_shown, live_line
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


# ------------------------------------------------------- the funder report

# A count from 1 to 4 is shown as "<5", so that a small number cannot
# point at a person; a rate is shown only over 5 or more people.
SMALL = 5
FOLLOW_UP_DAYS = 30


def suppressed(count: int) -> str:
    """A count as a funder report shows it: 0, "<5" for 1 to 4, else itself."""
    return "<5" if 0 < count < SMALL else str(count)


def _month_end(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def funder_report(viewer: User, *, month: date, programme: FundingProgramme | None) -> dict:
    """The funder report for one calendar month (`month` is its first day)
    and one programme (None: all), over the clients of the relationships
    `viewer` may report on (policy.funder_report_scope: an admin, everyone;
    a supervisor, their team's). Five queries. Figures:

    - people served: clients with at least one completed session in the month
      (under the programme, if one is chosen);
    - sessions (completed), the units their billable ones come to, as a
      claim counts them, and those ready (on no live claim line) (`billable_units`);
    - service lines by state, with the amounts charged and paid (`line_state_counts`);
    - new admissions and discharges by reason: episodes whose intake or
      discharge date falls in the month;
    - contact attempts logged in the month, and how many reached the client;
    - follow-up rate: of the clients discharged in the month, the share with
      a successful contact (an attempt that reached them, or a completed
      session) within 30 days after the discharge date.

    With a programme chosen, the client figures (admissions, discharges,
    attempts, follow-up) count the programme's clients: those with at least
    one completed session under it up to the month's end. Days are the
    organisation's calendar (TIME_ZONE); for units, the clients' own. Raw
    numbers; the page suppresses
    small ones (`suppressed`)."""
    end = _month_end(month)
    clients = CaseloadAssignment.objects.filter(funder_report_scope(viewer)).values("client_id")
    completed = Session.objects.filter(status=Session.Status.COMPLETED, client_id__in=clients)
    if programme is not None:
        completed = completed.filter(funding_programme=programme)
        clients = completed.filter(starts_at__date__lt=end).values("client_id")
    in_month = Q(starts_at__date__gte=month, starts_at__date__lt=end)
    served = completed.filter(in_month).aggregate(
        people=Count("client_id", distinct=True), sessions=Count("pk")
    )
    served["units"], served["ready"] = billable_units(completed, month=month, end=end)
    # A successful contact within 30 days after the discharge date.
    by = ExpressionWrapper(
        OuterRef("discharge_date") + timedelta(days=FOLLOW_UP_DAYS), output_field=DateField()
    )
    reached = OutreachAttempt.objects.filter(
        client_id=OuterRef("client_id"),
        outcome=OutreachAttempt.Outcome.REACHED,
        at__date__gt=OuterRef("discharge_date"),
        at__date__lte=by,
    )
    seen = Session.objects.filter(
        client_id=OuterRef("client_id"),
        status=Session.Status.COMPLETED,
        starts_at__date__gt=OuterRef("discharge_date"),
        starts_at__date__lte=by,
    )
    discharged = Q(discharge_date__gte=month, discharge_date__lt=end)
    aggregates = {
        "admitted": Count("pk", filter=Q(intake_date__gte=month, intake_date__lt=end)),
        "discharged": Count("pk", filter=discharged),
        "followed_up": Count("pk", filter=discharged & (Q(Exists(reached)) | Q(Exists(seen)))),
    }
    for reason in Episode.DischargeReason:
        aggregates[f"reason_{reason.value}"] = Count(
            "pk", filter=discharged & Q(discharge_reason=reason)
        )
    episodes = Episode.objects.filter(client_id__in=clients).aggregate(**aggregates)
    attempts = OutreachAttempt.objects.filter(
        client_id__in=clients, at__date__gte=month, at__date__lt=end
    ).aggregate(
        attempts=Count("pk"),
        reached=Count("pk", filter=Q(outcome=OutreachAttempt.Outcome.REACHED)),
    )
    by_reason = [
        (reason.label, episodes[f"reason_{reason.value}"]) for reason in Episode.DischargeReason
    ]
    return {
        "month": month,
        "programme": programme,
        "people_served": served["people"],
        "sessions": served["sessions"],
        "units": served["units"],
        "ready": served["ready"],
        "line_states": line_state_counts(clients, month=month, end=end, programme=programme),
        "admitted": episodes["admitted"],
        "discharged": episodes["discharged"],
        "by_reason": by_reason,
        "attempts": attempts["attempts"],
        "reached": attempts["reached"],
        "followed_up": episodes["followed_up"],
        "follow_up_window_open": timezone.localdate() < end + timedelta(days=FOLLOW_UP_DAYS),
    }


def billable_units(completed: QuerySet[Session], *, month: date, end: date) -> tuple[int, int]:
    """The units the billable ones of `completed` come to on the clients'
    days of the month, as a claim counts them (each programme's rule, none
    past its cap; sessions_log/billing.py claim_lines), and how many of
    those sessions are ready (on no live claim line). One query."""
    day = local_date("billed_start", "client__time_zone")
    sessions = (
        billing.with_billed_time(completed.filter(billing.billable()))
        .annotate(day=day)
        .filter(day__gte=month, day__lt=end)
        .annotate(on_live_line=live_line())
        .select_related("client", "funding_programme")
    )
    lines, _ = billing.claim_lines(list(sessions))
    ready = sum(1 for line in lines if not line.session.on_live_line)
    return sum(line.units for line in lines), ready


def funder_report_shown(figures: dict) -> dict:
    """The figures as the page shows them: small counts suppressed; the
    follow-up rate as a percentage only over 5 or more discharges."""
    shown = {
        name: suppressed(figures[name])
        for name in (
            "people_served",
            "sessions",
            "units",
            "admitted",
            "discharged",
            "attempts",
            "reached",
            "followed_up",
            "ready",
        )
    }
    shown["by_reason"] = [(label, suppressed(count)) for label, count in figures["by_reason"]]
    shown["line_states"] = line_states_shown(figures["line_states"], suppressed)
    discharged = figures["discharged"]
    shown["follow_up_rate"] = (
        f"{round(100 * figures['followed_up'] / discharged)}%" if discharged >= SMALL else "—"
    )
    return shown


def funder_report_for_viewing(
    user: User, *, month: date, programme: FundingProgramme | None
) -> dict:
    """The funder report (funder_report) as `user` may read it, audited as
    "funder_report.view": here, and nowhere else."""
    figures = funder_report(user, month=month, programme=programme)
    audit_record(actor=user, action="funder_report.view")
    return figures
