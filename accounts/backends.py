from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.db import connections, router

from accounts.models import User

_USER_COLUMNS = [field.column for field in User._meta.concrete_fields]
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
# The person, and whether they have a second factor set up.
_USER_SQL = (
    f"SELECT {', '.join(f'u.{column}' for column in _USER_COLUMNS)}, "  # noqa: S608 - column names
    f"EXISTS (SELECT FROM {Authenticator._meta.db_table} a WHERE a.user_id = u.id) "
    f"FROM {User._meta.db_table} u WHERE u.id = %s"
)


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, loading with the signed-in person whether they
    have a second factor set up: the staff MFA rule asks on every request,
    and this answers it in the query that loads the person anyway."""

    def get_user(self, user_id):
        # Plain SQL: this runs on every signed-in request, and building the
        # same statement through the ORM each time cost more than running it.
        database = router.db_for_read(User)
        with connections[database].cursor() as cursor:
            cursor.execute(_USER_SQL, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = User.from_db(database, _USER_FIELDS, row[:-1])
        user.mfa_set_up = row[-1]
        return user if self.user_can_authenticate(user) else None
