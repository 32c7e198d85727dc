"""Who may open which page, invite whom, and manage people, teams and the
audit trail: rules about roles and accounts, not about a client's record."""

from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.views import redirect_to_login
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts.models import STAFF_ROLES, TEAM_ROLES, Role, User
from accounts.policy.billing import bills, payer_identity_scope
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


def adds_clients_without_login(actor) -> bool:
    """Whether `actor` may add a client who has no app account: a coach who
    may invite clients (to their own caseload), or an admin (naming the
    coach)."""
    return actor.is_active and (
        (holds_caseload(actor) and can_invite(actor, Role.CLIENT)) or actor.role == Role.ADMIN
    )


def takes_texts(actor) -> bool:
    """Who may give a number for reminder texts: a client, for their own
    (staff get reminders by email only)."""
    return actor.role == Role.CLIENT


def mfa_enabled(user) -> bool:
    """Whether the person has a second factor set up: as loaded with the
    request (accounts.backends), or asked now."""
    loaded = getattr(user, "mfa_set_up", None)
    return loaded if loaded is not None else is_mfa_enabled(user)


def mfa_completed_this_login(request) -> bool:
    """True when this session's login included a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


# What a client does in the app that their care needs, shown to the team's
# supervisors in the audit trail (with "plan.*", their plan's changes).
CLIENT_CARE_ACTIONS = (
    "checkin.submit",
    "consent.sign",
    "consent.revoke",
    "supervisor_request.create",
)


def audit_scope(user: User) -> Q:
    """Audit events (on AuditEvent): admins, every one; supervisors, those
    done by their team's members, and those about their team's clients
    except the clients' own account activity (signing in and out, failed
    sign-ins, password and MFA changes, their calendar feed and email
    choices) and what the clients did in the app for themselves but what
    their care needs (CLIENT_CARE_ACTIONS: a check-in, their plan, a
    consent, a request to talk): a supervisor oversees the team's work, not
    when and from where a client uses the app."""
    if not user.is_active:
        return NOTHING
    if sees_whole_audit_trail(user):
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        own_account = (
            Q(action__startswith="auth.")
            | Q(action__startswith="calendar")
            | Q(action__startswith="reminders.")
        )
        own_use = Q(actor__role=Role.CLIENT) & ~(
            Q(action__in=CLIENT_CARE_ACTIONS) | Q(action__startswith="plan.")
        )
        # A page's event lists its clients (client_ids): one of the team's
        # among them makes it the team's business.
        visible = clients_visible_to(user)
        listed = Q(client__in=visible) | Q(client_ids__overlap=ArraySubquery(visible.values("pk")))
        about_clients = listed & ~own_account & ~own_use
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


def sees_health_details(user) -> bool:
    """/healthz's details (version, replicas, reminder lag) for a signed-in
    person: an active admin, who runs the service."""
    return user.is_authenticated and manages_people(user)


def manages_people(user: User) -> bool:
    """Whether `user` manages people, teams and invitations of staff: an
    active admin."""
    return user.is_active and user.role == Role.ADMIN


# The people who manage people (on User): the active admins.
PEOPLE_MANAGERS = Q(role=Role.ADMIN, is_active=True)


def people_scope(user: User) -> Q:
    """People (on User) whose role, team and access someone may manage: an
    admin, everyone; nobody else. Managing people is not reading their
    records: the record selectors above give an admin none of those."""
    if manages_people(user):
        return Q()
    return NOTHING


def person_change_scope(user: User) -> Q:
    """People (on User) whose role, team, access or credential `user` may
    change: an admin, everyone but themselves (another admin must, so there
    is always an active admin left to undo a mistake); nobody else."""
    if manages_people(user):
        return ~Q(pk=user.pk)
    return NOTHING


def creates_teams(user: User) -> bool:
    return manages_people(user)


def invitation_revoker_scope(user: User) -> Q:
    """Invitations (on Invitation) `user` may withdraw: those they see
    (invitation_scope), whatever their state (the service says why one no
    longer pending cannot be)."""
    return invitation_scope(user)


def payer_identity_setter_scope(user: User) -> Q:
    """Clients (on User) whose payer identifiers `user` may record: staff
    who bill, every client's (payer_identity_scope); not the client's own."""
    if bills(user):
        return payer_identity_scope(user, "pk")
    return NOTHING


# What a person's account is, for the rules of changing it: a client's
# account never becomes staff, a coach holds a caseload, coaches and
# supervisors belong to a team, staff hold a credential.


def is_client_account(person: User) -> bool:
    return person.role == Role.CLIENT


def holds_caseload(person: User) -> bool:
    return person.role == Role.COACH


def role_has_team(role: str) -> bool:
    return role in TEAM_ROLES


def is_staff_role(role: str) -> bool:
    return role in STAFF_ROLES


def sees_whole_audit_trail(user: User) -> bool:
    """Admins read every event (and every IP); a supervisor, their team's."""
    return manages_people(user)


def team_scope(user: User) -> Q:
    """Teams (on Team): admins, every one; a supervisor, their own."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(pk=user.team_id)
    return NOTHING
