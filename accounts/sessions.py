"""Django's database sessions, loaded with one plain statement.

Every signed-in request reads its session row; Django's store builds that
`SELECT` through the ORM each time, which cost more Python than the
baseline page's own work. The row, its expiry rule and everything that
writes sessions are Django's own."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        database = router.db_for_read(model)
        with connections[database].cursor() as cursor:
            cursor.execute(
                f"SELECT session_data, expire_date FROM {model._meta.db_table} "  # noqa: S608 - the model's own table
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0], expire_date=row[1])
