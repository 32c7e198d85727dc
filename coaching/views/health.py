"""Where each person lands, and the health check for load balancers and monitoring."""

import hmac

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.policy.pages import sees_health_details
from sessions_log.selectors import reminder_oldest_due

DETAILS_HEADER = "X-Healthz-Token"


@require_GET
@login_required
def home(request):
    """Each role lands on its own home page."""
    return redirect(settings.HOME_URL_NAMES[request.user.role])


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _replicas() -> list[dict] | None:
    """Each streaming replica of this database and how far behind it is
    (PostgreSQL's pg_stat_replication, seen from the primary): bytes of WAL
    not yet replayed, and seconds (replay_lag, which PostgreSQL clears to
    null once a replica has caught up and nothing is written: 0 then).
    Figures are null when the app's role may not read them (it needs
    pg_monitor); None when the view cannot be read at all."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT application_name, client_addr::text, state,"
                " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,"
                " extract(epoch FROM replay_lag)::float"
                " FROM pg_stat_replication ORDER BY application_name, client_addr"
            )
            rows = cursor.fetchall()
    except DatabaseError:
        return None
    replicas = []
    for name, address, state, behind, seconds in rows:
        if seconds is None and behind == 0:
            seconds = 0.0
        replicas.append(
            {
                "name": name,
                "address": address,
                "state": state,
                "lag_bytes": behind,
                "lag_seconds": None if seconds is None else round(seconds, 3),
            }
        )
    return replicas


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.exceptions.RedisError:
        return False


def _reminders_late_by() -> int | None:
    """Seconds the oldest due-but-unsent reminder is late, 0 when none is,
    None when it cannot be told (the outbox table is missing: not migrated)."""
    try:
        oldest = reminder_oldest_due()
    except DatabaseError:
        return None
    return int((timezone.now() - oldest).total_seconds()) if oldest else 0


def _may_see_details(request) -> bool:
    """The details (version, replicas and where they are, Redis, reminder
    lag) are for monitoring and the proxy's checker, which send
    HEALTHZ_TOKEN in the X-Healthz-Token header, and for a signed-in admin;
    anyone else gets the status alone."""
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get(DETAILS_HEADER, "")
    if token and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    try:
        user = request.user
        return sees_health_details(user)
    except DatabaseError:  # no database to find the session's user in
        return False


@never_cache
@require_GET
def healthz(request):
    """The database is essential (503 without it). Redis down only delays
    background work, but reminders more than REMINDER_LATE_AFTER late mean
    that work is not getting done (503 too, so monitoring says so). Replica
    lag is reported, never a 503: the app reads and writes the primary only.
    A load balancer should take a web host out on `database` alone (the
    reminders are every host's problem, not this one's): it needs the
    details. The public answer is {"status": "ok"} or "unavailable"."""
    database = _database_ok()
    late_by = _reminders_late_by() if database else None
    reminders_ok = late_by is not None and late_by <= settings.REMINDER_LATE_AFTER.total_seconds()
    status = 200 if database and reminders_ok else 503
    body = {"status": "ok" if status == 200 else "unavailable"}
    if _may_see_details(request):
        body |= {
            "database": "ok" if database else "unavailable",
            "redis": "ok" if _redis_ok() else "unavailable",
            "reminders": "ok" if reminders_ok else ("late" if late_by is not None else "unknown"),
            "oldest_due_reminder_seconds_late": late_by,
            "replicas": _replicas() if database else None,
            "version": settings.APP_VERSION,
        }
    return JsonResponse(body, status=status)
