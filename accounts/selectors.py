"""Reads, always scoped to the person asking through the access policy
(accounts/policy.py)."""

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.audit import CLIENT_SEES_OWN, audit_record
from accounts.models import (
    STAFF_ROLES,
    AuditEvent,
    CaseloadAssignment,
    Invitation,
    PayerIdentity,
    Role,
    Team,
    User,
)
from accounts.policy import (
    audit_scope,
    clients_visible_to,
    invitation_scope,
    payer_identity_scope,
    people_scope,
    relationship_scope,
    team_scope,
)
from common.tokens import token_digest


def clients_of(coach: User) -> QuerySet[User]:
    """The clients a coach works with now, by name (for forms' choices)."""
    return clients_visible_to(coach).order_by("display_name")


def caseload_of(coach: User) -> QuerySet[CaseloadAssignment]:
    """A coach's active relationships, by client name."""
    return (
        CaseloadAssignment.objects.filter(relationship_scope(coach), coach=coach)
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
    return (
        Invitation.objects.filter(invitation_scope(user))
        .select_related("team", "invited_by")
        .order_by("-created_at")
    )


def people_managed_by(user: User) -> QuerySet[User]:
    """Everyone, with a coach's number of active clients, for an admin (who
    manages people: never their records); nobody for anyone else."""
    return (
        User.objects.filter(people_scope(user))
        .select_related("team")
        .annotate(
            active_clients=Count(
                "caseload_assignments",
                filter=Q(caseload_assignments__ended_at__isnull=True),
            )
        )
        .order_by("display_name", "pk")
    )


def teams_visible_to(user: User) -> QuerySet[Team]:
    members = User.objects.filter(role__in=[Role.COACH, Role.SUPERVISOR]).order_by(
        "role", "display_name"
    )
    return (
        Team.objects.filter(team_scope(user))
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name")
    )


def active_coach_of(client: User) -> User | None:
    assignment = (
        CaseloadAssignment.objects.filter(client=client, ended_at__isnull=True)
        .select_related("coach")
        .first()
    )
    return assignment.coach if assignment else None


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team", "coach", "invited_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(audit_scope(user))
        .select_related("actor", "client")
        .order_by("-at", "-pk")
    )


def record_views_of(client: User) -> QuerySet[AuditEvent]:
    """What staff did with a client's record, and the few events of their own
    they are shown beside it (their calendar feed read): for the client to see."""
    by_staff = Q(client=client, actor__role__in=STAFF_ROLES)
    own = Q(client=client, actor=client, action__in=CLIENT_SEES_OWN)
    return AuditEvent.objects.filter(by_staff | own).select_related("actor").order_by("-at", "-pk")


def payer_identity_of(viewer: User, client: User) -> PayerIdentity | None:
    """The client's payer identifiers if `viewer` may see them (the client,
    staff who bill: policy.payer_identity_scope), else None. A member of
    staff's reading is audited ("payer_identity.view")."""
    identity = PayerIdentity.objects.filter(payer_identity_scope(viewer), client=client).first()
    if identity is not None and viewer.pk != client.pk:
        audit_record(actor=viewer, action="payer_identity.view", obj=client, client=client)
    return identity
