"""A person's own signed-in sessions (their sessions page), and the one
they end. Nobody sees or ends another person's sessions: another's is a
404, like one that does not exist. Not audited as a read: the sessions are
the person's own account, not a client's record."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import HASH_SESSION_KEY
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import LoginSession, User
from accounts.models.login_sessions import SessionStore, session_key_digest
from accounts.policy.login_sessions import login_session_scope


@dataclass(frozen=True)
class SessionLine:
    pk: str  # the row's key: the digest of the session key, never the key
    ip: str | None
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def _signed_in(user: User, session_data: str) -> bool:
    """Whether the session still signs `user` in: Django ends a session
    whose password hash is no longer the account's (a password change)."""
    stored = SessionStore().decode(session_data).get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored, known) for known in hashes)


def _own_sessions(user: User):
    return LoginSession.objects.filter(login_session_scope(user), expire_date__gt=timezone.now())


def login_sessions_visible_to(user: User, current_key: str | None) -> list[SessionLine]:
    """`user`'s sessions that still sign them in, oldest first; `current`
    marks the one whose cookie key is `current_key`. One query."""
    current = session_key_digest(current_key) if current_key else None
    rows = _own_sessions(user).order_by("created_at", "session_key")
    return [
        SessionLine(
            pk=row.session_key,
            ip=row.ip,
            user_agent=row.user_agent,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=row.session_key == current,
        )
        for row in rows
        if _signed_in(user, row.session_data)
    ]


def login_session_for_change(user: User, pk: str) -> LoginSession:
    """One of `user`'s own sessions, locked; Http404 for anyone else's."""
    session = _own_sessions(user).select_for_update().filter(session_key=pk).first()
    if session is None:
        raise Http404
    return session
