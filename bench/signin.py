"""Signed-in sessions for `make bench` and `make scan`: real session rows,
as if each person had logged in (with the second factor for staff) and had
been using the site for a moment."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import LoginSession, User
from accounts.models.login_sessions import session_key_digest


def _login_records(user: User, at: float) -> list[dict]:
    records = [{"method": "password", "at": at, "email": user.email}]
    if user.is_staff_role:
        records.append({"method": "mfa", "at": at, "type": "totp", "id": 0})
    return records


def signed_in_client(user: User) -> Client:
    """A test client signed in as `user` (one session, made by Django)."""
    client = Client()
    client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[0])
    session = client.session
    session["account_authentication_methods"] = _login_records(user, time.time())
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def session_key(user: User) -> str:
    return signed_in_client(user).session.session_key


def session_keys(users: list[User], *, ip: str = "127.0.0.1", user_agent: str = "") -> list[str]:
    """One session each, written in bulk: what logging in writes (the
    session row, with its address and browser), plus what the first
    request of a browser at `ip` with `user_agent` adds (the idle clock and
    the activity stamp), so that the measured requests are the ones after it."""
    engine = LoginSession.get_session_store_class()
    now, moment = time.time(), timezone.now()
    expires = moment + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions, keys = [], []
    for user in users:
        store = engine()
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            "account_authentication_methods": _login_records(user, now),
            "account_authentication_methods_user": str(user.pk),
            "limits_started_at": now,
            "limits_last_seen": now,
            "activity_client": [ip, user_agent],
            "activity_at": now,
        }
        sessions.append(
            LoginSession(
                session_key=session_key_digest(key),
                session_data=store.encode(data),
                expire_date=expires,
                user=user,
                ip=ip,
                user_agent=user_agent,
                created_at=moment,
                last_seen_at=moment,
            )
        )
        keys.append(key)
    LoginSession.objects.bulk_create(sessions, batch_size=1000)
    return keys
