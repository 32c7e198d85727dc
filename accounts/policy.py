"""The one access policy: who may do what.

Views use `role_required` for the page, and selectors for the records; a
record someone may not see is a 404, like one that does not exist.
"""

from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.models import Role

# Who may invite whom: admins bring in staff, coaches bring in their clients.
INVITABLE_ROLES = {
    Role.ADMIN: frozenset({Role.COACH, Role.SUPERVISOR, Role.ADMIN}),
    Role.COACH: frozenset({Role.CLIENT}),
}

HOME_URL_NAMES = {
    Role.CLIENT: "sessions_log:my_sessions",
    Role.COACH: "accounts:caseload",
    Role.SUPERVISOR: "review:team_dashboard",
    Role.ADMIN: "accounts:manage",
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
