"""Sessions in `LoginSession` (Django's session row plus the person's id),
read with the person in one plain statement and rewritten with one.

Every signed-in request reads its session and the person it belongs to, and
many rewrite the session (a flash message, the idle clock once a minute);
Django's store builds those statements through the ORM each time, reads the
person with another, and wraps a rewrite in a transaction of its own. The
expiry rule, creating and deleting sessions are Django's own.

The model and its store name each other, so they live together here (as in
Django's "extending database-backed session engines"); `accounts.sessions`,
the SESSION_ENGINE, hands the store to Django.

The table keeps only a SHA-256 digest of each session key (as invitation and
check-in tokens are kept): the cookie carries the key, the row is found by
its digest, so a copy of the table (a backup, a replica) signs nobody in.
The row also says where and when the session was used (address, browser,
started, last active) for the person's sessions page
(accounts/views/login_sessions.py): allauth's `usersessions` app, which kept
every key in the clear, is gone (accounts 0013 drops its table)."""

from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, models, router
from django.utils import timezone

from accounts.models.people import User
from common.tokens import token_digest

# The longest browser description kept (the sessions page shows it).
USER_AGENT_LENGTH = 200

# The person's columns (table alias `u`), and whether they have a second
# factor: read with the session here, and alone by accounts.backends.
_USER_COLUMNS = [field.column for field in User._meta.concrete_fields]
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
PERSON_COLUMNS_SQL = (
    f"{', '.join(f'u.{column}' for column in _USER_COLUMNS)}, "
    f"EXISTS (SELECT FROM {Authenticator._meta.db_table} a WHERE a.user_id = u.id)"
)
PERSON_COLUMN_COUNT = len(_USER_COLUMNS) + 1


def person_from_row(row, database: str = "default") -> User | None:
    """The person from PERSON_COLUMNS_SQL's values (None: no such person)."""
    if row[0] is None:
        return None
    user = User.from_db(database, _USER_FIELDS, row[:-1])
    user.mfa_set_up = row[-1]
    return user


def session_key_digest(session_key: str) -> str:
    """What the table keeps of a session key (the cookie's value)."""
    return token_digest(session_key)


class LoginSession(AbstractBaseSession):
    """A browser's signed-in session: Django's session row, with the person it
    belongs to as a column of its own, so that the one statement that reads
    the session on every request loads the person too. `session_key` holds
    session_key_digest(the cookie's key), never the key.
    Deleting a person ends their sessions."""

    session_key = models.CharField("session key digest", max_length=64, primary_key=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Where and when it was used, for the person's sessions page.
    ip = models.GenericIPAddressField("address", null=True, blank=True)
    user_agent = models.CharField("browser", max_length=USER_AGENT_LENGTH, blank=True, default="")
    created_at = models.DateTimeField("started", default=timezone.now)
    last_seen_at = models.DateTimeField("last active", default=timezone.now)

    @classmethod
    def get_session_store_class(cls):
        return SessionStore


def _person_id(data: dict) -> int | None:
    value = data.get(SESSION_KEY)
    return int(value) if value is not None and str(value).isdigit() else None


class SessionStore(db.SessionStore):
    # The person the session's statement loaded (None: none, or not known).
    person: User | None = None
    # The request's (address, browser), set by UserSessionActivityMiddleware:
    # each write of the row records them and the time (None: not a request).
    client: tuple[str | None, str] | None = None

    @classmethod
    def get_model_class(cls):
        return LoginSession

    def _table(self) -> str:
        return self.model._meta.db_table

    def _get_session_from_db(self):
        self.person = None
        model = self.model
        database = router.db_for_read(model)
        # Every request runs this statement: prepared, it is planned once
        # per connection.
        with connections[database].prepared_cursor() as cursor:
            cursor.execute(
                f"SELECT s.session_data, s.expire_date, {PERSON_COLUMNS_SQL} "  # noqa: S608 - our tables
                f"FROM {self._table()} s LEFT JOIN {User._meta.db_table} u ON u.id = s.user_id "
                "WHERE s.session_key = %s AND s.expire_date > %s",
                [session_key_digest(self.session_key), timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        self.person = person_from_row(row[-PERSON_COLUMN_COUNT:], database)
        return model(
            session_key=session_key_digest(self.session_key),
            session_data=row[0],
            expire_date=row[1],
        )

    def exists(self, session_key):
        return super().exists(session_key_digest(session_key))

    async def aexists(self, session_key):
        return await super().aexists(session_key_digest(session_key))

    def _with_columns(self, session, data):
        session.session_key = session_key_digest(session.session_key)
        session.user_id = _person_id(data)
        if self.client is not None:
            session.ip, session.user_agent = self.client
        return session

    def create_model_instance(self, data):
        return self._with_columns(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data):
        return self._with_columns(await super().acreate_model_instance(data), data)

    def delete(self, session_key=None):
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            super().delete(session_key_digest(key))

    async def adelete(self, session_key=None):
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await super().adelete(session_key_digest(key))

    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        # One UPDATE is atomic by itself: no transaction around it.
        data = self._get_session(no_load=False)
        columns = "session_data = %s, expire_date = %s, user_id = %s"
        values = [self.encode(data), self.get_expiry_date(), _person_id(data)]
        if self.client is not None:
            columns += ", ip = %s, user_agent = %s, last_seen_at = %s"
            values += [*self.client, timezone.now()]
        with connections[router.db_for_write(self.model)].cursor() as cursor:
            cursor.execute(
                f"UPDATE {self._table()} SET {columns} WHERE session_key = %s",  # noqa: S608
                [*values, session_key_digest(self.session_key)],
            )
            if cursor.rowcount != 1:
                # Ended meanwhile (signed out elsewhere): as Django's own store.
                raise UpdateError

    async def _aget_session_from_db(self):
        return await sync_to_async(self._get_session_from_db)()
