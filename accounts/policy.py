"""The one access policy: who may do what, and who may see which records.

Views use `role_required` for the page and selectors for the records; every
selector builds its scope from the rules below, and nothing else states
them (tests/security/test_scope.py holds each selector to them). A record
someone may not see is a 404, like one that does not exist.

The rules, in words:
- A client sees their own records.
- A coach sees the clients they work with now, through the active
  relationship (a former coach sees nothing once a client moves on).
- A supervisor sees the clients of their team's coaches, through those
  active relationships; private requests to talk with a supervisor are for
  their team's supervisors alone.
- An admin manages people and teams and reviews caseloads (never note text,
  check-in comments or private requests: the selectors of those give them
  nothing).
- Nobody inactive sees anything.

Each scope is a `Q` for the model that holds the records, so selectors in
the layers above apply it without this module knowing their models.
"""

from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import CaseloadAssignment, Role, User

# Who may invite whom: admins bring in staff, coaches bring in their clients.
INVITABLE_ROLES = {
    Role.ADMIN: frozenset({Role.COACH, Role.SUPERVISOR, Role.ADMIN}),
    Role.COACH: frozenset({Role.CLIENT}),
}


def role_required(*roles: Role):
    """Anonymous: to the login page. Signed in with another role: 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_invite(actor, role: str) -> bool:
    return actor.is_active and role in INVITABLE_ROLES.get(actor.role, ())


def mfa_enabled(user) -> bool:
    return is_mfa_enabled(user)


def mfa_completed_this_login(request) -> bool:
    """True when this session's login included a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


# ------------------------------------------------------------- visibility

# Matches nothing, and Django answers it without asking PostgreSQL.
NOTHING = Q(pk__in=[])
_ACTIVE = Q(ended_at__isnull=True)


def clients_visible_to(user: User) -> QuerySet[User]:
    """The one rule for whose records a person may see (see the module's
    docstring); every other scope below is this rule stated on another model."""
    if not user.is_active:
        return User.objects.none()
    if user.role == Role.COACH:
        return User.objects.filter(
            role=Role.CLIENT,
            coach_assignments__coach=user,
            coach_assignments__ended_at__isnull=True,
        )
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


def client_scope(user: User, field: str = "client") -> Q:
    """clients_visible_to(user) as a condition on another model's client
    foreign key (`field`): sessions, notes.

    The same rule, in the form PostgreSQL plans best: for a coach, a per-row
    check of the active relationship (an index walk can then stop at a
    page's worth); for a supervisor's whole team, the list of clients."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.CLIENT:
        return Q(**{field: user.pk})
    if user.role == Role.COACH:
        return Q(
            Exists(
                CaseloadAssignment.objects.filter(
                    _ACTIVE, coach=user, client=OuterRef(field), client__role=Role.CLIENT
                )
            )
        )
    return Q(**{f"{field}__in": clients_visible_to(user)})


def relationship_scope(user: User, prefix: str = "") -> Q:
    """The active relationships (caseload assignments) whose client `user`
    may see, as a condition on CaseloadAssignment (prefix "") or on a model
    that reaches one through `prefix` (e.g. "assignment__").

    For a supervisor, an active relationship whose coach is in their team is
    by definition one of their team's clients: no list of the team's
    clients to build first, so PostgreSQL plans it in a fraction of the time.
    Clients and admins have no relationship to review here."""
    if not user.is_active:
        return NOTHING
    active = Q(**{f"{prefix}ended_at__isnull": True, f"{prefix}client__role": Role.CLIENT})
    if user.role == Role.COACH:
        return active & Q(**{f"{prefix}coach": user})
    if user.role == Role.SUPERVISOR and user.team_id:
        return active & Q(
            **{f"{prefix}coach__team_id": user.team_id, f"{prefix}coach__role": Role.COACH}
        )
    return NOTHING


def relationship_record_scope(user: User) -> Q:
    """Records about a relationship that its client also sees (check-ins,
    on a model with `client` and `assignment`): the client's own, or those
    of the relationships staff may see."""
    if user.is_active and user.role == Role.CLIENT:
        return Q(client=user)
    return relationship_scope(user, "assignment__")


def flag_scope(user: User) -> Q:
    """Trust flags (on a model with `assignment`): for the coach and the
    supervisors of the relationship, never for the client."""
    if user.role not in (Role.COACH, Role.SUPERVISOR):
        return NOTHING
    return relationship_scope(user, "assignment__")


def private_request_scope(user: User) -> Q:
    """Private requests to talk with a supervisor (on a model with `team`):
    for the supervisors of the coach's team only. No coach, admin or client
    page reads them."""
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return NOTHING
    return Q(team_id=user.team_id)


def reviewable_coach_scope(user: User) -> Q:
    """Coaches (on User) whose caseload `user` may review: an admin, every
    coach; a supervisor, their team's."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q(role=Role.COACH)
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(role=Role.COACH, team_id=user.team_id)
    return NOTHING


def reviewable_relationship_scope(user: User) -> Q:
    """The active relationships (on CaseloadAssignment) `user` may review: an
    admin, every one; a supervisor, their team's (relationship_scope)."""
    if user.is_active and user.role == Role.ADMIN:
        return _ACTIVE & Q(client__role=Role.CLIENT)
    if user.role == Role.SUPERVISOR:
        return relationship_scope(user)
    return NOTHING


def reviewable_clients(user: User) -> QuerySet[User]:
    """Whose caseload history `user` may review: a supervisor, their team's
    clients (the one rule); an admin, every client who has a coach now."""
    if user.is_active and user.role == Role.ADMIN:
        has_coach = CaseloadAssignment.objects.filter(_ACTIVE, client=OuterRef("pk"))
        return User.objects.filter(Exists(has_coach), role=Role.CLIENT)
    if user.role == Role.SUPERVISOR:
        return clients_visible_to(user)
    return User.objects.none()


def audit_scope(user: User) -> Q:
    """Audit events (on AuditEvent): admins, every one; supervisors, those
    about their team's clients or done by their team's members."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(client__in=clients_visible_to(user)) | Q(actor__team_id=user.team_id)
    return NOTHING


def invitation_scope(user: User) -> Q:
    """Invitations (on Invitation): admins, every one; a coach, their own."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.COACH:
        return Q(invited_by=user)
    return NOTHING


def team_scope(user: User) -> Q:
    """Teams (on Team): admins, every one; a supervisor, their own."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(pk=user.team_id)
    return NOTHING
