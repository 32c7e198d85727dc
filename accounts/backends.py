"""The signed-in person, loaded in the statement that reads their session.

Every signed-in request needs its session row and the person it belongs to
(with whether they have a second factor set up: the staff MFA rule asks on
every request). The session store reads both in one statement
(accounts/sessions.py) and the authentication middleware hands the person
to this backend for the length of Django's own checks (`loaded_person`);
without one (a session written before the person was a column of it), the
backend loads the person itself."""

from contextlib import contextmanager
from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.db import connections, router

from accounts.models import User

_USER_COLUMNS = [field.column for field in User._meta.concrete_fields]
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
# The person's columns (table alias `u`), and whether they have a second factor.
PERSON_COLUMNS_SQL = (
    f"{', '.join(f'u.{column}' for column in _USER_COLUMNS)}, "
    f"EXISTS (SELECT FROM {Authenticator._meta.db_table} a WHERE a.user_id = u.id)"
)
PERSON_COLUMN_COUNT = len(_USER_COLUMNS) + 1
_USER_SQL = f"SELECT {PERSON_COLUMNS_SQL} FROM {User._meta.db_table} u WHERE u.id = %s"  # noqa: S608

# The person the session's statement loaded, while Django checks them.
_loaded: ContextVar[User | None] = ContextVar("loaded_person", default=None)


def person_from_row(row, database: str = "default") -> User | None:
    """The person from PERSON_COLUMNS_SQL's values (None: no such person)."""
    if row[0] is None:
        return None
    user = User.from_db(database, _USER_FIELDS, row[:-1])
    user.mfa_set_up = row[-1]
    return user


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
