"""Reads, always scoped to the person asking."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import (
    STAFF_ROLES,
    AuditEvent,
    CaseloadAssignment,
    Invitation,
    RecordChange,
    Role,
    Team,
    User,
)
from accounts.tokens import token_digest

_ACTIVE = Q(ended_at__isnull=True)


def clients_of(coach: User) -> QuerySet[User]:
    """The clients a coach works with now."""
    return User.objects.filter(
        role=Role.CLIENT,
        coach_assignments__coach=coach,
        coach_assignments__ended_at__isnull=True,
    ).order_by("display_name")


def caseload_of(coach: User) -> QuerySet[CaseloadAssignment]:
    return (
        CaseloadAssignment.objects.filter(_ACTIVE, coach=coach)
        .select_related("client")
        .order_by("client__display_name")
    )


def coaches_supervised_by(supervisor: User) -> QuerySet[User]:
    """The coaches of a supervisor's team, with their active caseload size."""
    if supervisor.role != Role.SUPERVISOR or supervisor.team_id is None:
        return User.objects.none()
    return (
        User.objects.filter(role=Role.COACH, team_id=supervisor.team_id)
        .annotate(
            active_clients=Count(
                "caseload_assignments",
                filter=Q(caseload_assignments__ended_at__isnull=True),
            )
        )
        .order_by("display_name")
    )


def invitations_visible_to(user: User) -> QuerySet[Invitation]:
    if user.role == Role.ADMIN:
        queryset = Invitation.objects.all()
    elif user.role == Role.COACH:
        queryset = Invitation.objects.filter(invited_by=user)
    else:
        return Invitation.objects.none()
    return queryset.select_related("team", "invited_by").order_by("-created_at")


def teams_visible_to(user: User) -> QuerySet[Team]:
    if user.role == Role.ADMIN:
        queryset = Team.objects.all()
    elif user.role == Role.SUPERVISOR and user.team_id:
        queryset = Team.objects.filter(pk=user.team_id)
    else:
        return Team.objects.none()
    members = User.objects.filter(role__in=[Role.COACH, Role.SUPERVISOR]).order_by(
        "role", "display_name"
    )
    return queryset.prefetch_related(Prefetch("members", queryset=members)).order_by("name")


def active_coach_of(client: User) -> User | None:
    assignment = (
        CaseloadAssignment.objects.filter(_ACTIVE, client=client).select_related("coach").first()
    )
    return assignment.coach if assignment else None


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team", "coach", "invited_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


def clients_visible_to(user: User) -> QuerySet[User]:
    """The one rule for whose records a person may see.

    A coach: the clients assigned to them now (a former coach sees nothing once
    a client moves on). A supervisor: the clients of their team's coaches. A
    client: themselves.
    """
    if not user.is_active:
        return User.objects.none()
    if user.role == Role.COACH:
        return clients_of(user)
    if user.role == Role.SUPERVISOR and user.team_id:
        return User.objects.filter(
            role=Role.CLIENT,
            coach_assignments__ended_at__isnull=True,
            coach_assignments__coach__team_id=user.team_id,
            coach_assignments__coach__role=Role.COACH,
        )
    if user.role == Role.CLIENT:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def client_scope(user: User, field: str = "client"):
    """clients_visible_to(user) as a condition on another model's client
    foreign key (`field`), for the selectors of sessions and notes.

    The same rule, in the form PostgreSQL plans best: for a coach, a per-row
    check of the active relationship (an index walk can then stop at a
    page's worth); for a supervisor's whole team, the list of clients. A
    test holds it equal to clients_visible_to for every role."""
    if not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    if user.role == Role.COACH:
        return Exists(
            CaseloadAssignment.objects.filter(
                _ACTIVE, coach=user, client=OuterRef(field), client__role=Role.CLIENT
            )
        )
    return Q(**{f"{field}__in": clients_visible_to(user)})


def relationship_scope(user: User, prefix: str = "") -> Q:
    """The active relationships (caseload assignments) whose client `user`
    may see, as a condition on CaseloadAssignment (prefix "") or on a model
    that reaches one through `prefix` (e.g. "assignment__").

    The same rule as clients_visible_to, stated on the relationship itself:
    for a supervisor, an active relationship whose coach is in their team is
    by definition one of their team's clients. No list of the team's clients
    to build first, so PostgreSQL plans it in a fraction of the time."""
    if not user.is_active:
        return Q(pk__in=[])
    active = Q(**{f"{prefix}ended_at__isnull": True, f"{prefix}client__role": Role.CLIENT})
    if user.role == Role.COACH:
        return active & Q(**{f"{prefix}coach": user})
    if user.role == Role.SUPERVISOR and user.team_id:
        return active & Q(
            **{f"{prefix}coach__team_id": user.team_id, f"{prefix}coach__role": Role.COACH}
        )
    return Q(pk__in=[])


def records_stamp(people: Q) -> tuple[int, int | None]:
    """How many people match `people`, and the newest change to the records
    of any of them: a pair that differs after any write about them, or any
    change in who they are (a person who joins or leaves the set changes
    their own account, which is their newest change)."""
    newest = RecordChange.objects.filter(person_id=OuterRef("pk")).order_by("-pk").values("pk")
    stamps = list(
        User.objects.filter(people)
        .annotate(newest=Subquery(newest[:1]))
        .values_list("newest", flat=True)
    )
    return len(stamps), max(filter(None, stamps), default=None)


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """Admins: every event. Supervisors: events about their team's clients
    or done by their team's members. Nobody else."""
    if not user.is_active:
        return AuditEvent.objects.none()
    if user.role == Role.ADMIN:
        events = AuditEvent.objects.all()
    elif user.role == Role.SUPERVISOR and user.team_id:
        events = AuditEvent.objects.filter(
            Q(client__in=clients_visible_to(user)) | Q(actor__team_id=user.team_id)
        )
    else:
        return AuditEvent.objects.none()
    return events.select_related("actor", "client").order_by("-at", "-pk")


def record_views_of(client: User) -> QuerySet[AuditEvent]:
    """What staff did with a client's record: for the client to see."""
    return (
        AuditEvent.objects.filter(client=client, actor__role__in=STAFF_ROLES)
        .select_related("actor")
        .order_by("-at", "-pk")
    )
