"""A Redis cache that keeps working, more slowly, when Redis is down.

allauth keeps its login rate limits in the cache. If the cache were plain Redis,
a Redis outage would either lock everyone out (errors) or switch the limits off.
Instead every operation that fails on Redis is served by another cache (the
PostgreSQL table cache, shared by all processes), so limits still apply.
After a failure Redis is skipped for a few seconds, so a dead Redis costs one
timeout, not one per cache call.

Counters are not merged when Redis comes back: a limit window that straddles the
switch may count from zero once. That errs towards letting a person in, never
towards a bypass for long: the window is minutes.
"""

import logging
import time

import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0

_FAILOVER_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class FailoverRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._fallback_alias = options.pop("fallback")
        super().__init__(server, {**params, "OPTIONS": options})
        self._skip_redis_until = 0.0

    @property
    def redis_available(self) -> bool:
        return time.monotonic() >= self._skip_redis_until

    def _call(self, name, *args, **kwargs):
        if self.redis_available:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except redis.exceptions.RedisError as error:
                # Served by the fallback below; retried after a short pause.
                logger.warning("Redis cache down (%s); using %s", error, self._fallback_alias)
                self._skip_redis_until = time.monotonic() + RETRY_AFTER_SECONDS
        return getattr(caches[self._fallback_alias], name)(*args, **kwargs)

    def reset_failover(self) -> None:
        """Try Redis again on the next call (tests and health checks use this)."""
        self._skip_redis_until = 0.0


def _make_failover(name):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _FAILOVER_METHODS:
    setattr(FailoverRedisCache, _name, _make_failover(_name))
