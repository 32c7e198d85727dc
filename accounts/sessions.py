"""The session engine (settings.SESSION_ENGINE): the store that reads a
session and its person in one statement, kept beside its model in
`accounts/models/login_sessions.py`."""

from accounts.models.login_sessions import SessionStore

__all__ = ["SessionStore"]
