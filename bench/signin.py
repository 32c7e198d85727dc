"""Signed-in Django test clients and session cookies for `make bench` and
`make scan`: a real session row, as if the person had logged in (with the
second factor for staff)."""

import time

from django.test import Client

from accounts.models import User


def signed_in_client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    records = [{"method": "password", "at": time.time(), "email": user.email}]
    if user.is_staff_role:
        records.append({"method": "mfa", "at": time.time(), "type": "totp", "id": 0})
    session["account_authentication_methods"] = records
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def session_key(user: User) -> str:
    return signed_in_client(user).session.session_key
