"""Django's database sessions, read and rewritten with one plain statement.

Every signed-in request reads its session row, and many rewrite it (a flash
message, the idle clock once a minute); Django's store builds those
statements through the ORM each time, and wraps the rewrite in a
transaction of its own (three statements). The row, its expiry rule,
creating and deleting sessions are Django's own."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _table(self) -> str:
        return self.model._meta.db_table

    def _get_session_from_db(self):
        model = self.model
        with connections[router.db_for_read(model)].cursor() as cursor:
            cursor.execute(
                f"SELECT session_data, expire_date FROM {self._table()} "  # noqa: S608 - the model's own table
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0], expire_date=row[1])

    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        # One UPDATE is atomic by itself: no transaction around it.
        data = self.encode(self._get_session(no_load=False))
        with connections[router.db_for_write(self.model)].cursor() as cursor:
            cursor.execute(
                f"UPDATE {self._table()} SET session_data = %s, expire_date = %s "  # noqa: S608
                "WHERE session_key = %s",
                [data, self.get_expiry_date(), self.session_key],
            )
            if cursor.rowcount != 1:
                # Ended meanwhile (signed out elsewhere): as Django's own store.
                raise UpdateError
