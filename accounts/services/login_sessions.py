"""Ending sessions from the person's sessions page: one of their other
sessions, or all of them but this one. Audited (no key, no address: the
event names the account)."""

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import LoginSession, User
from accounts.models.login_sessions import session_key_digest
from accounts.selectors.login_sessions import login_session_for_change


@transaction.atomic
def login_session_end(*, actor: User, pk: str) -> None:
    """End one of `actor`'s own sessions (Http404 for anyone else's): the
    browser that holds it is signed out at its next request."""
    login_session_for_change(actor, pk).delete()
    audit_record(actor=actor, action="auth.session_ended", obj=actor)


@transaction.atomic
def login_sessions_end_others(*, actor: User, current_key: str) -> int:
    """End every session of `actor`'s but the one whose cookie key is
    `current_key`; how many ended."""
    ended, _ = (
        LoginSession.objects.filter(user=actor)
        .exclude(session_key=session_key_digest(current_key))
        .delete()
    )
    if ended:
        audit_record(actor=actor, action="auth.sessions_ended_others", obj=actor)
    return ended
