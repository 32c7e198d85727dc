import time

import psycopg
from django.db.backends.postgresql import base

# A persistent connection is pinged before the first query of a request
# only when this many seconds have passed since its last ping.
HEALTH_CHECK_EVERY = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    """With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first
    query of every request: a round trip that every page paid. A busy
    worker's connection has just answered the previous request, so here it
    is pinged at most once a second; an idle one (or one that has lived
    through a database restart, which takes longer than that) is still
    checked before it is used."""

    _last_health_check = float("-inf")

    def close_if_health_check_failed(self):
        if self.connection is not None and not self.health_check_done:
            now = time.monotonic()
            if now - self._last_health_check < HEALTH_CHECK_EVERY:
                self.health_check_done = True
                return
            self._last_health_check = now
        super().close_if_health_check_failed()

    def get_connection_params(self):
        params = super().get_connection_params()
        # Only prepared_cursor() statements are prepared (below), and each is
        # written so that its generic plan is the good one: read by the ids
        # the policy gives, on indexes. Left to choose, PostgreSQL re-planned
        # some on every request (the client home's: ~2 ms of planning for
        # 0.4 ms of work), because it compares estimated costs and not the
        # planning it would save. Client-binding cursors send no parameters,
        # so this changes nothing for them.
        options = params.get("options", "")
        params["options"] = f"{options} -c plan_cache_mode=force_generic_plan".strip()
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # Django turns psycopg's automatic preparing off (None), which also
        # refuses an explicit prepare=True. Its client-binding cursors never
        # prepare whatever this says, so only prepared_cursor() statements are
        # prepared, and no others are ever prepared automatically.
        if connection.prepare_threshold is None:
            connection.prepare_threshold = 2**31
        return connection

    def prepared_cursor(self):
        """A cursor whose statements are bound and prepared on the server:
        for the one statement every request runs (its session and person),
        PostgreSQL then keeps the plan instead of planning it each time.
        Wrapped as Django's own cursors are (execute wrappers, query log)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(_PreparingCursor(self.connection))


class _PreparingCursor(psycopg.Cursor):
    # What a recorder of statements (bench/floor.py) checks to replay one
    # the way it ran.
    prepares = True

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)
