"""The signed-in person, loaded in the statement that reads their session.

Every signed-in request needs its session row and the person it belongs to
(with whether they have a second factor set up: the staff MFA rule asks on
every request). The session store reads both in one statement
(accounts/models/login_sessions.py, which also holds the person's columns
and how a row of them becomes the person) and the authentication middleware hands the person
to this backend for the length of Django's own checks (`loaded_person`);
without one (a session written before the person was a column of it), the
backend loads the person itself."""

from contextlib import contextmanager
from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.db import connections, router

from accounts.models.login_sessions import PERSON_COLUMNS_SQL, person_from_row
from accounts.models.people import User

_USER_SQL = f"SELECT {PERSON_COLUMNS_SQL} FROM {User._meta.db_table} u WHERE u.id = %s"  # noqa: S608

# The person the session's statement loaded, while Django checks them.
_loaded: ContextVar[User | None] = ContextVar("loaded_person", default=None)


@contextmanager
def loaded_person(user: User | None):
    token = _loaded.set(user)
    try:
        yield
    finally:
        _loaded.reset(token)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        user = _loaded.get()
        if user is None or str(user.pk) != str(user_id):
            # Plain SQL: building the same statement through the ORM on
            # every request cost more than running it.
            database = router.db_for_read(User)
            with connections[database].cursor() as cursor:
                cursor.execute(_USER_SQL, [user_id])
                row = cursor.fetchone()
            user = person_from_row(row, database) if row else None
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
