"""A person's signed-in sessions: their own alone. Nobody, staff and admins
included, sees or ends another person's sessions from the app (an admin
deactivates an account to sign it out everywhere)."""

from django.db.models import Q

from accounts.models import User
from accounts.policy.relationships import NOTHING


def login_session_scope(user: User, field: str = "user") -> Q:
    """Sessions (on LoginSession, or through `field`) that `user` sees and
    ends: their own, while they are signed in and active."""
    if user.is_authenticated and user.is_active:
        return Q(**{field: user.pk})
    return NOTHING
