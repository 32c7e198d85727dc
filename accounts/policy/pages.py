"""Who may open which page, invite whom, and manage people, teams and the
audit trail: rules about roles and accounts, not about a client's record."""

from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts.models import Role, User
from accounts.policy.relationships import NOTHING, clients_visible_to

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
    """Whether the person has a second factor set up: as loaded with the
    request (accounts.backends), or asked now."""
    loaded = getattr(user, "mfa_set_up", None)
    return loaded if loaded is not None else is_mfa_enabled(user)


def mfa_completed_this_login(request) -> bool:
    """True when this session's login included a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def audit_scope(user: User) -> Q:
    """Audit events (on AuditEvent): admins, every one; supervisors, those
    done by their team's members, and those about their team's clients
    except the clients' own account activity (signing in and out, failed
    sign-ins, password and MFA changes, their calendar feed and email
    choices): a supervisor oversees the team's work, not when and from
    where a client uses the app."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        own_account = (
            Q(action__startswith="auth.")
            | Q(action__startswith="calendar")
            | Q(action__startswith="reminders.")
        )
        about_clients = Q(client__in=clients_visible_to(user)) & ~own_account
        return about_clients | Q(actor__team_id=user.team_id)
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


def people_scope(user: User) -> Q:
    """People (on User) whose role, team and access someone may manage: an
    admin, everyone; nobody else. Managing people is not reading their
    records: the record selectors above give an admin none of those."""
    if user.is_active and user.role == Role.ADMIN:
        return Q()
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
