import time

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
