"""Reads of sessions, always scoped to the person asking."""

from datetime import datetime

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import clients_visible_to
from sessions_log.models import Session


def sessions_visible_to(user: User) -> QuerySet[Session]:
    return Session.objects.filter(client__in=clients_visible_to(user)).select_related(
        "coach", "client"
    )


def agenda_of(coach: User, *, start: datetime, end: datetime) -> QuerySet[Session]:
    """The coach's own sessions between two instants, cancelled ones included."""
    return (
        sessions_visible_to(coach)
        .filter(coach=coach, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
    )
