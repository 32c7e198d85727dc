"""The funder report: counts for one month and one programme (or all), read
through `funder_report_for_viewing` (the one place its read is audited).

Whose figures: an admin's report is the organisation's (every client, every
coach's work: the organisation reports to its funders as one); a
supervisor's, their team's: the clients their team held
(policy.funder_report_scope), and of those only the work of their team's
coaches (policy.funder_report_work_scope) and the episodes opened or closed
while their team held the client (policy.funder_report_held_on).

What is shown: small counts (1 to FUNDER_REPORT_MIN_CELL - 1; CMS's cell
size policy, default 11) are hidden, and so is every figure that would let
one be worked out (selectors/suppression.py): a total minus the other
cells, a rate beside its count, a programme's report against the
all-programmes one, or every programme's against the total."""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, DateField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, User
from accounts.policy import funder_report_held_on, funder_report_scope, funder_report_work_scope
from coaching.models import ClaimLine, Episode, OutreachAttempt
from coaching.selectors.episodes import local_date
from coaching.selectors.remittances import (
    REPORTED_STATES,
    line_state_counts,
    line_states_shown,
    live_line,
)
from coaching.selectors.suppression import suppress
from sessions_log import billing
from sessions_log.models import FundingProgramme, Session

FOLLOW_UP_DAYS = 30
HIDDEN = "*"


def _month_end(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _scope(viewer: User) -> tuple[QuerySet, QuerySet[Session]]:
    """The clients `viewer` reports on (a values("client_id") queryset) and
    the completed sessions of theirs whose work counts."""
    clients = CaseloadAssignment.objects.filter(funder_report_scope(viewer)).values("client_id")
    completed = Session.objects.filter(
        funder_report_work_scope(viewer),
        status=Session.Status.COMPLETED,
        client_id__in=clients,
    )
    return clients, completed


def funder_report(viewer: User, *, month: date, programme: FundingProgramme | None) -> dict:
    """The funder report for one calendar month (`month` is its first day)
    and one programme (None: all), over what `viewer` may report on (see the
    module). Five queries. Figures:

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
    numbers; the page shows them through `funder_report_shown`."""
    end = _month_end(month)
    clients, completed = _scope(viewer)
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
    admitted = Q(intake_date__gte=month, intake_date__lt=end) & funder_report_held_on(
        viewer, "intake_date"
    )
    discharged = Q(discharge_date__gte=month, discharge_date__lt=end) & funder_report_held_on(
        viewer, "discharge_date"
    )
    aggregates = {
        "admitted": Count("pk", filter=admitted),
        "discharged": Count("pk", filter=discharged),
        "followed_up": Count("pk", filter=discharged & (Q(Exists(reached)) | Q(Exists(seen)))),
    }
    for reason in Episode.DischargeReason:
        aggregates[f"reason_{reason.value}"] = Count(
            "pk", filter=discharged & Q(discharge_reason=reason)
        )
    episodes = Episode.objects.filter(client_id__in=clients).aggregate(**aggregates)
    attempts = OutreachAttempt.objects.filter(
        funder_report_work_scope(viewer),
        client_id__in=clients,
        at__date__gte=month,
        at__date__lt=end,
    ).aggregate(
        attempts=Count("pk"),
        reached=Count("pk", filter=Q(outcome=OutreachAttempt.Outcome.REACHED)),
    )
    by_reason = [
        (reason.label, episodes[f"reason_{reason.value}"]) for reason in Episode.DischargeReason
    ]
    work = funder_report_work_scope(viewer, "claim__coach")
    return {
        "month": month,
        "programme": programme,
        "people_served": served["people"],
        "sessions": served["sessions"],
        "units": served["units"],
        "ready": served["ready"],
        "line_states": line_state_counts(
            clients, month=month, end=end, programme=programme, work=work
        ),
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
    lines = _billable_lines(completed, month=month, end=end)
    ready = sum(1 for line in lines if not line.session.on_live_line)
    return sum(line.units for line in lines), ready


def _billable_lines(completed: QuerySet[Session], *, month: date, end: date) -> list:
    day = local_date("billed_start", "client__time_zone")
    sessions = (
        billing.with_billed_time(completed.filter(billing.billable()))
        .annotate(day=day)
        .filter(day__gte=month, day__lt=end)
        .annotate(on_live_line=live_line())
        .select_related("client", "funding_programme")
    )
    return billing.claim_lines(list(sessions))[0]


def programme_counts(viewer: User, *, month: date) -> dict[str, dict[str, int]]:
    """The counts of `funder_report` that split whole between programmes
    (each session, unit and claim line is under one programme, or none):
    by programme ("none" for sessions under none), the same figures each
    programme's report gives. Three queries. `partition_hidden` reads them
    side by side, as anyone can who opens every programme's report."""
    end = _month_end(month)
    clients, completed = _scope(viewer)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PARTITIONED, 0))

    def key(programme_id: int | None) -> str:
        return "none" if programme_id is None else str(programme_id)

    in_month = completed.filter(starts_at__date__gte=month, starts_at__date__lt=end)
    for row in in_month.values("funding_programme_id").annotate(n=Count("pk")).order_by():
        counts[key(row["funding_programme_id"])]["sessions"] = row["n"]
    for line in _billable_lines(completed, month=month, end=end):
        bucket = counts[key(line.session.funding_programme_id)]
        bucket["units"] += line.units
        bucket["ready"] += not line.session.on_live_line
    by_state = {f"lines_{state}": Count("pk", filter=Q(state=state)) for state in REPORTED_STATES}
    lines = ClaimLine.objects.filter(
        funder_report_work_scope(viewer, "claim__coach"),
        service_date__gte=month,
        service_date__lt=end,
        claim__client_id__in=clients,
    )
    for row in lines.values("claim__batch__programme_id").annotate(**by_state).order_by():
        counts[key(row.pop("claim__batch__programme_id"))].update(row)
    return dict(counts)


def partition_hidden(by_programme: dict[str, dict[str, int]], threshold: int) -> dict[str, set]:
    """For each programme's report (by key) and the all-programmes one
    ("all"), the counts of `programme_counts` to hide so that none that is
    small comes out of the reports side by side: all programmes minus the
    others gives no hidden one (three programmes: A, B and the total give
    C). One table for every report (selectors/suppression.py), so each
    report hides its part of one safe choice."""
    values: dict[str, int] = {}
    sums = []
    for name in PARTITIONED:
        members = [f"{key}:{name}" for key in by_programme]
        for key, counts in by_programme.items():
            values[f"{key}:{name}"] = counts[name]
        values[f"all:{name}"] = sum(counts[name] for counts in by_programme.values())
        sums.append((f"all:{name}", members))
    hidden = suppress(values, sums, threshold)
    reports = [*by_programme, "all"]
    return {key: {n for n in PARTITIONED if f"{key}:{n}" in hidden} for key in reports}


# ------------------------------------------------------- what the page shows

COUNTS = (
    "people_served",
    "sessions",
    "units",
    "ready",
    "admitted",
    "discharged",
    "attempts",
    "reached",
    "followed_up",
)
# What programme_counts splits by programme: the rest count clients, who can
# be in several programmes' reports at once.
PARTITIONED = ("sessions", "units", "ready", *(f"lines_{state}" for state in REPORTED_STATES))


def cells(figures: dict) -> dict[str, int]:
    """Every count of the report by name, with the ones anyone can work out
    from two printed ones (discharged and not followed up, attempts that
    did not reach, discharges without a reason): they are cells too."""
    values = {name: figures[name] for name in COUNTS}
    for index, (_, count) in enumerate(figures["by_reason"]):
        values[f"reason_{index}"] = count
    values["reason_none"] = figures["discharged"] - sum(c for _, c in figures["by_reason"])
    values["not_followed_up"] = figures["discharged"] - figures["followed_up"]
    values["not_reached"] = figures["attempts"] - figures["reached"]
    for state in figures["line_states"]:
        values[f"lines_{state.state}"] = state.lines
    return values


def relations(figures: dict) -> list[tuple[str, list[str]]]:
    """The sums the report's counts make (total, [cells])."""
    reasons = [f"reason_{index}" for index in range(len(figures["by_reason"]))]
    return [
        ("discharged", [*reasons, "reason_none"]),
        ("discharged", ["followed_up", "not_followed_up"]),
        ("attempts", ["reached", "not_reached"]),
    ]


def hidden_cells(figures: dict, everything: dict | None = None, partitioned=frozenset()) -> set:
    """The names of `cells(figures)` the page hides. `everything` is the
    all-programmes report when `figures` is one programme's: a count is
    hidden too when the rest (all programmes minus this one) is small, as
    the two reports side by side would show it. `partitioned`: what
    `partition_hidden` hides of this report, against every programme's."""
    values = cells(figures)
    threshold = settings.FUNDER_REPORT_MIN_CELL
    also = set(partitioned)
    if everything is not None:
        rest = cells(everything)
        also |= {name for name, count in values.items() if 0 < rest[name] - count < threshold}
    return suppress(values, relations(figures), threshold, also=also)


def funder_report_shown(figures: dict, everything: dict | None = None, partitioned=frozenset()):
    """The figures as the page shows them: each count, or HIDDEN
    (`hidden_cells`); the follow-up rate only beside a shown count of a
    shown number of discharges; amounts only beside a shown line count."""
    hidden = hidden_cells(figures, everything, partitioned)
    values = cells(figures)

    def show(name: str) -> str:
        return HIDDEN if name in hidden else str(values[name])

    shown = {name: show(name) for name in COUNTS}
    shown["by_reason"] = [
        (label, show(f"reason_{index}")) for index, (label, _) in enumerate(figures["by_reason"])
    ]
    shown["line_states"] = line_states_shown(
        figures["line_states"], lambda state: show(f"lines_{state.state}")
    )
    discharged, followed_up = figures["discharged"], figures["followed_up"]
    rate_shown = discharged and not {"discharged", "followed_up"} & hidden
    shown["follow_up_rate"] = f"{round(100 * followed_up / discharged)}%" if rate_shown else "—"
    shown["min_cell"] = settings.FUNDER_REPORT_MIN_CELL
    return shown


def funder_report_for_viewing(
    user: User, *, month: date, programme: FundingProgramme | None
) -> tuple[dict, dict]:
    """The funder report (funder_report) as `user` may read it, and what
    the page shows of it (`funder_report_shown`: for a programme, checked
    against the all-programmes report `user` could read beside it), audited
    as "funder_report.view": here, and nowhere else."""
    figures = funder_report(user, month=month, programme=programme)
    everything = None
    if programme is not None:
        everything = funder_report(user, month=month, programme=None)
    every_programme = programme_counts(user, month=month)
    joint = partition_hidden(every_programme, settings.FUNDER_REPORT_MIN_CELL)
    partitioned = joint.get("all" if programme is None else str(programme.pk), set())
    audit_record(actor=user, action="funder_report.view")
    return figures, funder_report_shown(figures, everything, partitioned)
