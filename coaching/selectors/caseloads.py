"""Reads for caseload review: a supervisor's own team, or every team for an
admin (the CSV report is selectors/report.py). Each page's figures come
from a fixed number of grouped queries, whatever the size of the team:
never one query per row."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import CaseloadAssignment, User
from accounts.policy import (
    held_relationship_scope,
    reviewable_clients,
    reviewable_coach_scope,
    reviewable_relationship_scope,
)
from accounts.policy.billing import bills
from accounts.policy.relationships import (
    reassign_coach_scope,
    reassigner_scope,
    reassigns,
    reviews_every_team,
    sees_private_requests,
    supervises,
)
from coaching.models import CheckIn, OutreachAttempt, TrustFlag
from coaching.selectors.plan_figures import suggestions_tried_by_coach, with_plan_status
from coaching.selectors.trust import supervisor_requests_visible_to, trust_summaries
from common.paging import page_of
from sessions_log.models import MAX_DURATION, Session

DAYS_30 = timedelta(days=30)
QUIET_AFTER = timedelta(days=14)
# The dashboard's "last 30 days": today and the 29 days before, whole days of
# the organisation's calendar, as its kept figures (CoachDayFigures) count them.
DASHBOARD_DAYS = 30


@dataclass(frozen=True)
class DashboardDays:
    """The dashboard's windows in the organisation's calendar (TIME_ZONE,
    whatever zone the viewer reads in): `since` to `today` (both included)
    is the last 30 days; `trust_since` to the day before `since`, the 30
    before them (the trust trend's comparison)."""

    today: date
    since: date
    trust_since: date

    def start(self, day: date) -> datetime:
        """The first instant of `day` in the organisation's calendar."""
        return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def dashboard_days(now: datetime) -> DashboardDays:
    today = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    since = today - timedelta(days=DASHBOARD_DAYS - 1)
    return DashboardDays(today, since, since - timedelta(days=DASHBOARD_DAYS))


def coaches_reviewable_by(user: User) -> QuerySet[User]:
    return User.objects.filter(reviewable_coach_scope(user)).select_related("team")


def clients_reviewable_by(user: User) -> QuerySet[User]:
    return reviewable_clients(user)


def relationships_reviewable_by(user: User) -> QuerySet[CaseloadAssignment]:
    """The relationships, active or ended, whose past the user reviews: a
    supervisor, those their team held; an admin, every one."""
    return CaseloadAssignment.objects.filter(held_relationship_scope(user))


def in_relationships_reviewable_by(user: User) -> Q:
    """Sessions (by coach and client) of a relationship the user reviews."""
    held = relationships_reviewable_by(user).filter(
        coach=OuterRef("coach"), client=OuterRef("client")
    )
    return Q(Exists(held))


def _per_coach(queryset) -> dict[int, int]:
    """How many rows per coach: {coach_id: n}."""
    return {coach_id: row["n"] for coach_id, row in _by_coach(queryset, n=None).items()}


def _by_coach(queryset, **conditions) -> dict[int, dict[str, int]]:
    """Several figures per coach from one grouped query: {coach_id: {name: n}}.
    A condition counts the rows it holds for (None: every row); an aggregate
    is taken as it is."""
    counts = {
        name: condition if isinstance(condition, Aggregate) else Count("pk", filter=condition)
        for name, condition in conditions.items()
    }
    return {
        row.pop("coach_id"): row
        for row in queryset.order_by().values("coach_id").annotate(**counts)
    }


def _attempts_since(since: datetime):
    """Attempts to reach the row's client since `since` (a count; no query of
    its own: an index walk of (client, at))."""
    return Subquery(
        OutreachAttempt.objects.filter(client=OuterRef("client"), at__gte=since)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _quiet(now: datetime) -> Q:
    """An active relationship older than 14 days without a successful contact
    in the last 14 days (a completed session with this coach, or an attempt
    that reached the client): the client has gone quiet. Attempts that did
    not reach them do not count; the pages show how many there were."""
    since = now - QUIET_AFTER
    reached = OutreachAttempt.objects.filter(
        client=OuterRef("client"), outcome=OutreachAttempt.Outcome.REACHED, at__gte=since
    )
    recent_contact = Session.objects.filter(
        client=OuterRef("client"),
        coach=OuterRef("coach"),
        status=Session.Status.COMPLETED,
        ends_at__gte=since,
        # Implied by ends_at (sessions last at most MAX_DURATION); it lets
        # PostgreSQL read only the last two weeks of the (client, starts_at) index.
        starts_at__gte=since - MAX_DURATION,
    )
    return (
        Q(ended_at__isnull=True, started_at__lt=since)
        & ~Q(Exists(recent_contact))
        & ~Q(Exists(reached))
    )


def _overdue_note(now: datetime) -> Q:
    due = now - timedelta(hours=settings.NOTE_DUE_HOURS)
    return Q(note_state=Session.NoteState.TO_WRITE, ends_at__lt=due)


def overdue_note_sessions(now: datetime, user: User | None = None):
    """Sessions whose note is overdue; with `user`, only those of the
    relationships they review (the coach detail page's list)."""
    sessions = Session.objects.filter(_overdue_note(now))
    return sessions if user is None else sessions.filter(in_relationships_reviewable_by(user))


def team_dashboard(user: User, now: datetime) -> list[dict]:
    """One row per coach the user may review, with the figures behind each
    column; "30 days" are the whole days of dashboard_days (the reference
    the prepared statement, dashboard_sql, is held equal to)."""
    coaches = list(coaches_reviewable_by(user).order_by("display_name"))
    ids = [coach.pk for coach in coaches]
    days = dashboard_days(now)
    since, until = days.start(days.since), days.start(days.today + timedelta(days=1))
    caseloads = _by_coach(
        with_plan_status(
            CaseloadAssignment.objects.filter(coach__in=ids, ended_at__isnull=True), now=now
        ),
        active=None,
        quiet=_quiet(now),
        quiet_attempts=Sum(Coalesce(_attempts_since(now - QUIET_AFTER), 0), filter=_quiet(now)),
        plans_review_due=Q(plan_review_due=True),
        plans_not_agreed=Q(plan_not_agreed=True),
    )
    recent = Q(starts_at__gte=since, starts_at__lt=until)
    overdue, waiting = _overdue_note(now), Q(note_state=Session.NoteState.AWAITING_COSIGN)
    # Each side of the OR matches an index: (coach, starts_at) and the
    # partial ones on note_state.
    sessions = _by_coach(
        Session.objects.filter(coach__in=ids).filter(recent | overdue | waiting),
        completed=recent & Q(status=Session.Status.COMPLETED),
        no_shows=recent & Q(status=Session.Status.NO_SHOW),
        overdue=overdue,
        waiting=waiting,
    )
    # Each mean as the kept figures give it: the score sum over the count.
    trust = {
        row["coach_id"]: {
            "recent": row["recent_sum"] / row["recent_n"] if row["recent_n"] else None,
            "before": row["before_sum"] / row["before_n"] if row["before_n"] else None,
        }
        for row in CheckIn.objects.filter(
            coach__in=ids, created_at__gte=days.start(days.trust_since), created_at__lt=until
        )
        .order_by()
        .values("coach_id")
        .annotate(
            recent_sum=Sum("score", filter=Q(created_at__gte=since)),
            recent_n=Count("pk", filter=Q(created_at__gte=since)),
            before_sum=Sum("score", filter=Q(created_at__lt=since)),
            before_n=Count("pk", filter=Q(created_at__lt=since)),
        )
    }
    unresolved = ~Q(status=TrustFlag.Status.RESOLVED)
    resolved_recently = Q(
        status=TrustFlag.Status.RESOLVED,
        resolved_at__gte=now - timedelta(days=settings.RESOLVED_FLAGS_SHOWN_DAYS),
    )
    flags = _by_coach(
        TrustFlag.objects.filter(coach__in=ids).filter(unresolved | resolved_recently),
        open=unresolved,
        resolved=resolved_recently,
    )
    sees_requests = sees_private_requests(user)
    requests = _per_coach(
        supervisor_requests_visible_to(user).filter(coach__in=ids, handled_at__isnull=True)
    )
    tried = suggestions_tried_by_coach(user, ids, now=now)
    rows = []
    for coach in coaches:
        scores = trust.get(coach.pk, {})
        mean, before = scores.get("recent"), scores.get("before")
        caseload, counts = caseloads.get(coach.pk, {}), sessions.get(coach.pk, {})
        rows.append(
            {
                "coach": coach,
                "active_clients": caseload.get("active", 0),
                "completed_30": counts.get("completed", 0),
                "no_shows_30": counts.get("no_shows", 0),
                "quiet_clients": caseload.get("quiet", 0),
                "quiet_attempts": caseload.get("quiet_attempts") or 0,
                "notes_overdue": counts.get("overdue", 0),
                "notes_waiting": counts.get("waiting", 0),
                "trust_mean": round(mean) if mean is not None else None,
                "trust_direction": trust_direction(mean, before),
                "open_flags": flags.get(coach.pk, {}).get("open", 0),
                "resolved_flags_30": flags.get(coach.pk, {}).get("resolved", 0),
                "open_requests": requests.get(coach.pk, 0) if sees_requests else None,
                "plans_review_due": caseload.get("plans_review_due", 0),
                "plans_not_agreed": caseload.get("plans_not_agreed", 0),
                "suggestions_tried": tried[coach.pk]["share"],
                "suggestions": tried[coach.pk],
            }
        )
    return rows


def trust_direction(recent, before) -> str:
    """How a mean trust score moved between two months: up or down by 2
    points or more, else steady ("" without both)."""
    if recent is None or before is None:
        return ""
    if recent - before >= 2:
        return "up"
    if before - recent >= 2:
        return "down"
    return "steady"


def coach_caseload(user: User, coach: User, now: datetime) -> QuerySet[CaseloadAssignment]:
    """The coach's active relationships the user may review, each with its
    last and next session, its sessions in the last 30 days and whether the
    client has gone quiet."""
    sessions = Session.objects.filter(client=OuterRef("client"), coach=OuterRef("coach"))

    def first(queryset, order):
        # An index walk from one end of (client, starts_at), not an aggregate.
        return Subquery(queryset.order_by(order).values("starts_at")[:1])

    def count(queryset):
        return Subquery(
            queryset.order_by().values("client").annotate(value=Count("pk")).values("value")
        )

    return (
        CaseloadAssignment.objects.filter(reviewable_relationship_scope(user), coach=coach)
        .select_related("client")
        .annotate(
            last_session=first(
                sessions.filter(starts_at__lte=now).exclude(status=Session.Status.CANCELLED),
                "-starts_at",
            ),
            next_session=first(
                sessions.filter(starts_at__gt=now, status=Session.Status.SCHEDULED),
                "starts_at",
            ),
            sessions_30=Coalesce(
                count(
                    sessions.filter(starts_at__gte=now - DAYS_30, starts_at__lte=now).exclude(
                        status=Session.Status.CANCELLED
                    )
                ),
                0,
            ),
            quiet=ExpressionWrapper(_quiet(now), output_field=BooleanField()),
            attempts_14=Coalesce(_attempts_since(now - QUIET_AFTER), 0),
        )
        .order_by("client__display_name")
    )


# The oldest overdue notes listed on a coach's page.
OVERDUE_SHOWN = 10


def coach_for_viewing(user: User, pk: int) -> User:
    """A coach whose caseload `user` reviews (404 otherwise)."""
    coach = coaches_reviewable_by(user).filter(pk=pk).first()
    if coach is None:
        raise Http404
    return coach


def coach_caseload_page(user: User, coach: User, now: datetime, page_number) -> dict:
    """A coach's page of their caseload, with each client's trust summary and
    the oldest notes overdue (the count says how many there are). The
    clients shown are audited, once each."""
    page = page_of(coach_caseload(user, coach, now), page_number)
    summaries = trust_summaries(user, [assignment.client_id for assignment in page.object_list])
    overdue = overdue_note_sessions(now, user).filter(coach=coach)
    oldest = list(overdue.select_related("client").order_by("ends_at")[:OVERDUE_SHOWN])
    audit_clients_shown(actor=user, shown=[("coach_caseload.list", [*page.object_list, *oldest])])
    return {
        "page": page,
        "rows": [
            {"assignment": assignment, "trust": summaries[assignment.client_id]}
            for assignment in page.object_list
        ],
        "overdue": {"oldest": oldest, "count": overdue.count()},
    }


def client_for_reassigning(user: User, pk: int) -> User:
    """A client `user` reviews, for the reassign page (404 otherwise); the
    page shows who the client is and their coach, so the reading is audited
    ("client.reassign_view")."""
    client = clients_reviewable_by(user).filter(pk=pk).first()
    if client is None:
        raise Http404
    audit_record(actor=user, action="client.reassign_view", obj=client)
    return client


def reassign_coaches(user: User) -> QuerySet[User]:
    """The coaches `user` may hand a client to (reassign_coach_scope)."""
    return User.objects.filter(reassign_coach_scope(user))


def relationship_for_change(user: User, client_pk: int) -> CaseloadAssignment:
    """The client's active relationship, for a reassignment by `user` (a
    supervisor of its coach's team), locked; anyone else is refused."""
    found = (
        CaseloadAssignment.objects.select_for_update(of=("self",))
        .select_related("coach")
        .filter(reassigner_scope(user), client_id=client_pk)
        .first()
    )
    if found is None:
        raise PermissionDenied
    return found


@dataclass(frozen=True)
class CaseloadPermissions:
    can_reassign: bool  # move a client to another coach
    can_open_records: bool  # a client's sessions and timeline (not an admin's)
    can_see_private_requests: bool
    can_see_every_team: bool
    can_make_claims: bool


def permissions_for(user: User, record=None) -> CaseloadPermissions:
    """What the caseload pages offer `user`, from the policy, without a
    query: the records they list are already in the reviewer's scope."""
    return CaseloadPermissions(
        can_reassign=reassigns(user),
        can_open_records=supervises(user),
        can_see_private_requests=sees_private_requests(user),
        can_see_every_team=reviews_every_team(user),
        can_make_claims=bills(user),
    )
