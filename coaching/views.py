import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.policy import HOME_URL_NAMES


@require_GET
@login_required
def home(request):
    """Each role lands on its own home page."""
    return redirect(HOME_URL_NAMES[request.user.role])


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


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


@never_cache
@require_GET
def healthz(request):
    """The database is essential (503 without it); Redis only delays background work."""
    database = _database_ok()
    body = {
        "status": "ok" if database else "unavailable",
        "database": "ok" if database else "unavailable",
        "redis": "ok" if _redis_ok() else "unavailable",
    }
    return JsonResponse(body, status=200 if database else 503)
