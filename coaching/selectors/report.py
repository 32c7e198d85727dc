"""The caseload report (CSV) for supervisors and admins: per coach and per
client of the teams they may review."""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Q

from accounts.models import User
from coaching.models import CheckIn, TrustFlag
from coaching.selectors.caseloads import (
    coaches_reviewable_by,
    in_relationships_reviewable_by,
    relationships_reviewable_by,
)
from coaching.selectors.caseloads import (
    permissions_for as caseload_permissions_for,
)
from coaching.selectors.plan_figures import with_plan_status
from sessions_log.models import Session

REPORT_HEADER = [
    "level",
    "team",
    "coach",
    "client",
    "sessions completed",
    "no-shows",
    "cancelled",
    "scheduled",
    "notes on time",
    "notes late",
    "notes missing",
    "check-ins",
    "mean trust score",
    "lowest trust score",
    "flags raised",
    "plan review due today",
    "no agreed plan today",
]


def team_report(user: User, start, end) -> list[list]:
    """The report's rows (see team_report_and_clients)."""
    return team_report_and_clients(user, start, end)[0]


def team_report_and_clients(user: User, start, end) -> tuple[list[list], list[int]]:
    """Per coach and per client of the teams the user may review, for the
    days start..end (inclusive): sessions by status, notes on time, trust
    scores and flags; and, as of today, plans due for review and clients
    without an agreed plan in time. Six grouped queries whatever the size
    of the teams.

    Only the relationships the user reviews count (a supervisor: those
    their team held), never another team's."""
    coaches = {coach.pk: coach for coach in coaches_reviewable_by(user)}
    ids = list(coaches)
    held = relationships_reviewable_by(user)
    window = Q(starts_at__date__gte=start, starts_at__date__lte=end)
    by_pair: dict[tuple[int, int], Counter] = {}

    def bucket(coach_id, client_id) -> Counter:
        return by_pair.setdefault((coach_id, client_id), Counter())

    of_held = in_relationships_reviewable_by(user)
    sessions = Session.objects.filter(window, of_held, coach__in=ids).order_by()
    for row in sessions.values("coach_id", "client_id", "status").annotate(n=Count("pk")):
        bucket(row["coach_id"], row["client_id"])[row["status"]] += row["n"]
    due = timedelta(hours=settings.NOTE_DUE_HOURS)
    closed = sessions.filter(status__in=[Session.Status.COMPLETED, Session.Status.NO_SHOW])
    for row in closed.values("coach_id", "client_id").annotate(
        on_time=Count("pk", filter=Q(note__signed_at__lte=F("ends_at") + due)),
        late=Count("pk", filter=Q(note__signed_at__gt=F("ends_at") + due)),
        missing=Count("pk", filter=Q(note__signed_at__isnull=True)),
    ):
        counts = bucket(row["coach_id"], row["client_id"])
        for name in ("on_time", "late", "missing"):
            counts[name] += row[name]
    checkins = CheckIn.objects.filter(
        coach__in=ids,
        assignment__in=held,
        created_at__date__gte=start,
        created_at__date__lte=end,
    ).order_by()
    scores: dict[tuple[int, int], list] = {}
    for coach_id, client_id, score in checkins.values_list("coach_id", "client_id", "score"):
        bucket(coach_id, client_id)
        scores.setdefault((coach_id, client_id), []).append(score)
    flags = TrustFlag.objects.filter(
        coach__in=ids,
        assignment__in=held,
        raised_at__date__gte=start,
        raised_at__date__lte=end,
    ).order_by()
    for row in flags.values("coach_id", "client_id").annotate(n=Count("pk")):
        bucket(row["coach_id"], row["client_id"])["flags"] += row["n"]
    current = with_plan_status(held.filter(ended_at__isnull=True, coach__in=ids)).order_by()
    for coach_id, client_id, due, not_agreed in current.values_list(
        "coach_id", "client_id", "plan_review_due", "plan_not_agreed"
    ):
        counts = bucket(coach_id, client_id)
        counts["plan_review_due"] += due
        counts["plan_not_agreed"] += not_agreed
    clients = dict(
        User.objects.filter(pk__in={client for _, client in by_pair}).values_list(
            "pk", "display_name"
        )
    )

    def figures(counts: Counter, pair_scores: list) -> list:
        mean = round(sum(pair_scores) / len(pair_scores)) if pair_scores else ""
        return [
            counts["completed"],
            counts["no_show"],
            counts["cancelled"],
            counts["scheduled"],
            counts["on_time"],
            counts["late"],
            counts["missing"],
            len(pair_scores),
            mean,
            min(pair_scores) if pair_scores else "",
            counts["flags"],
            counts["plan_review_due"],
            counts["plan_not_agreed"],
        ]

    rows = [REPORT_HEADER]
    for coach in sorted(coaches.values(), key=lambda coach: coach.display_name):
        pairs = sorted(
            (pair for pair in by_pair if pair[0] == coach.pk), key=lambda pair: clients[pair[1]]
        )
        total, all_scores = Counter(), []
        for pair in pairs:
            total.update(by_pair[pair])
            all_scores += scores.get(pair, [])
        team = coach.team.name if coach.team else ""
        rows.append(["coach", team, coach.display_name, "", *figures(total, all_scores)])
        for pair in pairs:
            rows.append(
                [
                    "client",
                    team,
                    coach.display_name,
                    clients[pair[1]],
                    *figures(by_pair[pair], scores.get(pair, [])),
                ]
            )
    return rows, sorted(clients)


def permissions_for(user: User, record=None):
    """What the report page offers `user`: the caseload pages' flags."""
    return caseload_permissions_for(user, record)
