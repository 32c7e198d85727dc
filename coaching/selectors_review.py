"""Reads for caseload review: a supervisor's own team, or every team for an
admin. Each page's figures come from a fixed number of grouped queries,
whatever the size of the team: never one query per row."""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from accounts.models import CaseloadAssignment, Role, User
from accounts.selectors import clients_visible_to, relationship_scope
from coaching.models import CheckIn, TrustFlag
from coaching.selectors import flags_visible_to, supervisor_requests_visible_to
from sessions_log.models import MAX_DURATION, Addendum, Note, NoteReview, Session

DAYS_30 = timedelta(days=30)
QUIET_AFTER = timedelta(days=14)


def coaches_reviewable_by(user: User) -> QuerySet[User]:
    if not user.is_active:
        return User.objects.none()
    if user.role == Role.ADMIN:
        scope = Q()
    elif user.role == Role.SUPERVISOR and user.team_id:
        scope = Q(team_id=user.team_id)
    else:
        return User.objects.none()
    return User.objects.filter(scope, role=Role.COACH).select_related("team")


def clients_reviewable_by(user: User) -> QuerySet[User]:
    """A supervisor: their team's clients (the one visibility rule). An admin:
    every client who has a coach."""
    if user.is_active and user.role == Role.ADMIN:
        return User.objects.filter(
            role=Role.CLIENT, coach_assignments__ended_at__isnull=True
        ).distinct()
    if user.role == Role.SUPERVISOR:
        return clients_visible_to(user)
    return User.objects.none()


def _relationships_reviewable_by(user: User) -> Q:
    """The active relationships whose client clients_reviewable_by(user) holds."""
    if user.is_active and user.role == Role.ADMIN:
        return Q(ended_at__isnull=True, client__role=Role.CLIENT)
    if user.role == Role.SUPERVISOR:
        return relationship_scope(user)
    return Q(pk__in=[])


def _per_coach(queryset) -> dict[int, int]:
    """How many rows per coach: {coach_id: n}."""
    return {coach_id: row["n"] for coach_id, row in _by_coach(queryset, n=None).items()}


def _by_coach(queryset, **conditions) -> dict[int, dict[str, int]]:
    """Several counts per coach from one grouped query: {coach_id: {name: n}}.
    A condition of None counts every row."""
    counts = {name: Count("pk", filter=condition) for name, condition in conditions.items()}
    return {
        row.pop("coach_id"): row
        for row in queryset.order_by().values("coach_id").annotate(**counts)
    }


def _quiet(now: datetime) -> Q:
    """An active relationship older than 14 days without a completed session
    in the last 14 days: the client has gone quiet."""
    since = now - QUIET_AFTER
    recent_contact = Session.objects.filter(
        client=OuterRef("client"),
        coach=OuterRef("coach"),
        status=Session.Status.COMPLETED,
        ends_at__gte=since,
        # Implied by ends_at (sessions last at most MAX_DURATION); it lets
        # PostgreSQL read only the last two weeks of the (client, starts_at) index.
        starts_at__gte=since - MAX_DURATION,
    )
    return Q(ended_at__isnull=True, started_at__lt=since) & ~Q(Exists(recent_contact))


def _overdue_note(now: datetime) -> Q:
    due = now - timedelta(hours=settings.NOTE_DUE_HOURS)
    return Q(note_state=Session.NoteState.TO_WRITE, ends_at__lt=due)


def overdue_note_sessions(now: datetime):
    return Session.objects.filter(_overdue_note(now))


def team_dashboard(user: User, now: datetime) -> list[dict]:
    """One row per coach the user may review, with the figures behind each column."""
    coaches = list(coaches_reviewable_by(user).order_by("display_name"))
    ids = [coach.pk for coach in coaches]
    since = now - DAYS_30
    caseloads = _by_coach(
        CaseloadAssignment.objects.filter(coach__in=ids, ended_at__isnull=True),
        active=None,
        quiet=_quiet(now),
    )
    recent = Q(starts_at__gte=since, starts_at__lte=now)
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
    trust = {
        row["coach_id"]: row
        for row in CheckIn.objects.filter(coach__in=ids, created_at__gte=now - 2 * DAYS_30)
        .order_by()
        .values("coach_id")
        .annotate(
            recent=Avg("score", filter=Q(created_at__gte=since)),
            before=Avg("score", filter=Q(created_at__lt=since)),
        )
    }
    flags = _per_coach(
        TrustFlag.objects.filter(coach__in=ids).exclude(status=TrustFlag.Status.RESOLVED)
    )
    sees_requests = user.role == Role.SUPERVISOR
    requests = _per_coach(
        supervisor_requests_visible_to(user).filter(coach__in=ids, handled_at__isnull=True)
    )
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
                "notes_overdue": counts.get("overdue", 0),
                "notes_waiting": counts.get("waiting", 0),
                "trust_mean": round(mean) if mean is not None else None,
                "trust_direction": _direction(mean, before),
                "open_flags": flags.get(coach.pk, 0),
                "open_requests": requests.get(coach.pk, 0) if sees_requests else None,
            }
        )
    return rows


def _direction(recent, before) -> str:
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
        CaseloadAssignment.objects.filter(_relationships_reviewable_by(user), coach=coach)
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
        )
        .order_by("client__display_name")
    )


def client_history(user: User, client: User) -> list[dict]:
    """Everything that happened in a client's coaching, newest first: the
    supervisor's timeline. Note text stays on the session page (where reading
    it is audited); only supervisors see comments, resolution notes and
    private requests."""
    supervisor = user.role == Role.SUPERVISOR
    events = []

    def add(at, kind, text, **extra):
        events.append({"at": at, "kind": kind, "text": text, **extra})

    for assignment in CaseloadAssignment.objects.filter(client=client).select_related("coach"):
        add(assignment.started_at, "assignment", f"Started with {assignment.coach.display_name}")
        if assignment.ended_at:
            reason = f": {assignment.end_reason}" if assignment.end_reason else ""
            add(
                assignment.ended_at,
                "assignment",
                f"Ended with {assignment.coach.display_name}{reason}",
            )
    for session in Session.objects.filter(client=client).select_related("coach"):
        add(
            session.starts_at,
            "session",
            f"{session.get_modality_display()} session with {session.coach.display_name}: "
            f"{session.get_status_display().lower()}",
            session=session,
        )
    notes = Note.objects.filter(session__client=client, signed_at__isnull=False)
    for note in notes.select_related("author").only("pk", "session_id", "signed_at", "author"):
        add(
            note.signed_at,
            "note",
            f"Note signed by {note.author.display_name}",
            session_id=note.session_id,
        )
    for review in NoteReview.objects.filter(note__session__client=client).select_related(
        "reviewer", "note"
    ):
        add(
            review.at,
            "note",
            f"Note {review.get_decision_display().lower()} by {review.reviewer.display_name}",
            session_id=review.note.session_id,
        )
    for addendum in (
        Addendum.objects.filter(note__session__client=client)
        .select_related("author", "note")
        .only("pk", "signed_at", "author", "note__session_id")
    ):
        add(
            addendum.signed_at,
            "note",
            f"Addendum by {addendum.author.display_name}",
            session_id=addendum.note.session_id,
        )
    for checkin in CheckIn.objects.filter(client=client).select_related("coach"):
        add(
            checkin.created_at,
            "checkin",
            f"Check-in about {checkin.coach.display_name}: score {checkin.score}",
            comment=checkin.comment if supervisor else "",
        )
    flags = TrustFlag.objects.filter(client=client).select_related("acknowledged_by", "resolved_by")
    for flag in flags:
        add(
            flag.raised_at,
            "flag",
            f"Flag raised: {flag.get_rule_display()} ({flag.detail})",
            flag=flag,
        )
        if flag.acknowledged_at:
            add(
                flag.acknowledged_at,
                "flag",
                f"Flag acknowledged by {flag.acknowledged_by.display_name}",
            )
        if flag.resolved_at:
            add(
                flag.resolved_at,
                "flag",
                f"Flag resolved by {flag.resolved_by.display_name}",
                comment=flag.resolution_note if supervisor else "",
            )
    if supervisor:
        for private in supervisor_requests_visible_to(user).filter(client=client):
            add(
                private.created_at,
                "private",
                "Asked privately to talk with a supervisor",
                comment=private.message,
            )
    events.sort(key=lambda event: event["at"], reverse=True)
    return events


def open_flags_and_requests(user: User):
    """The flags inbox: unresolved flags, oldest first, and private requests
    (supervisors only), those not yet taken first."""
    flags = (
        flags_visible_to(user).exclude(status=TrustFlag.Status.RESOLVED).order_by("raised_at", "pk")
    )
    requests = supervisor_requests_visible_to(user).order_by(
        F("handled_at").asc(nulls_first=True), "created_at"
    )
    return flags, requests


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
]


def team_report(user: User, start, end) -> list[list]:
    """Per coach and per client of the teams the user may review, for the
    days start..end (inclusive): sessions by status, notes on time, trust
    scores and flags. Five grouped queries whatever the size of the teams."""
    coaches = {coach.pk: coach for coach in coaches_reviewable_by(user)}
    ids = list(coaches)
    window = Q(starts_at__date__gte=start, starts_at__date__lte=end)
    by_pair: dict[tuple[int, int], Counter] = {}

    def bucket(coach_id, client_id) -> Counter:
        return by_pair.setdefault((coach_id, client_id), Counter())

    sessions = Session.objects.filter(window, coach__in=ids).order_by()
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
        coach__in=ids, created_at__date__gte=start, created_at__date__lte=end
    ).order_by()
    scores: dict[tuple[int, int], list] = {}
    for coach_id, client_id, score in checkins.values_list("coach_id", "client_id", "score"):
        bucket(coach_id, client_id)
        scores.setdefault((coach_id, client_id), []).append(score)
    flags = TrustFlag.objects.filter(
        coach__in=ids, raised_at__date__gte=start, raised_at__date__lte=end
    ).order_by()
    for row in flags.values("coach_id", "client_id").annotate(n=Count("pk")):
        bucket(row["coach_id"], row["client_id"])["flags"] += row["n"]
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
    return rows


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
