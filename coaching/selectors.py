"""Reads about coaching relationships, always scoped to the person asking.

Who sees what: a client sees their own check-ins; a coach sees the check-ins
and flags of their current relationships; a supervisor sees those of their
team. Private requests to talk with a supervisor are for the team's
supervisors only: no selector a coach's page uses ever touches them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import clients_visible_to
from accounts.tokens import token_digest
from coaching.models import CheckIn, CheckInRequest, SupervisorRequest, TrustFlag


def _relationships_of(user: User) -> Q:
    """The relationships (assignments) whose trust data `user` may see."""
    active = Q(assignment__ended_at__isnull=True)
    if user.role == Role.COACH:
        return active & Q(assignment__coach=user)
    if user.role == Role.SUPERVISOR and user.team_id:
        return (
            active
            & Q(assignment__coach__team_id=user.team_id)
            & Q(client__in=clients_visible_to(user))
        )
    return Q(pk__in=[])


def checkins_visible_to(user: User) -> QuerySet[CheckIn]:
    if not user.is_active:
        return CheckIn.objects.none()
    scope = Q(client=user) if user.role == Role.CLIENT else _relationships_of(user)
    return CheckIn.objects.filter(scope).select_related("coach", "session")


def flags_visible_to(user: User) -> QuerySet[TrustFlag]:
    if not user.is_active or user.role not in (Role.COACH, Role.SUPERVISOR):
        return TrustFlag.objects.none()
    return TrustFlag.objects.filter(_relationships_of(user)).select_related(
        "client", "coach", "acknowledged_by", "resolved_by"
    )


def supervisor_requests_visible_to(user: User) -> QuerySet[SupervisorRequest]:
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return SupervisorRequest.objects.none()
    return SupervisorRequest.objects.filter(team_id=user.team_id).select_related(
        "client", "coach", "handled_by"
    )


def trust_summaries(viewer: User, client_ids: list[int]) -> dict[int, dict]:
    """Per client: the latest scores (oldest first, for a sparkline) and the
    number of unresolved flags. Two queries, whatever the number of clients."""
    recent = {pk: [] for pk in client_ids}
    points = settings.TRUST_SPARKLINE_POINTS
    # Only the newest few per client leave the database, however long the history.
    rows = (
        checkins_visible_to(viewer)
        .filter(client_id__in=client_ids)
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=F("client_id"),
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(newest__lte=points)
        .order_by("client_id", "-created_at", "-pk")
        .values_list("client_id", "score", "created_at")
    )
    for client_id, score, created_at in rows:
        recent[client_id].append((created_at, score))
    flags = dict(
        flags_visible_to(viewer)
        .filter(client_id__in=client_ids)
        .exclude(status=TrustFlag.Status.RESOLVED)
        .values_list("client_id")
        .annotate(count=Count("pk"))
        .values_list("client_id", "count")
    )
    return {
        pk: {
            "scores": [score for _, score in reversed(recent[pk])],
            "latest": recent[pk][0][1] if recent[pk] else None,
            "latest_at": recent[pk][0][0] if recent[pk] else None,
            "open_flags": flags.get(pk, 0),
        }
        for pk in client_ids
    }


def open_checkin_requests_of(client: User) -> QuerySet[CheckInRequest]:
    """The check-ins a client has been asked for and can still answer."""
    return (
        CheckInRequest.objects.filter(
            client=client, checkin__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("session", "session__coach")
        .order_by("-created_at")
    )


def checkin_request_by_token(token: str) -> CheckInRequest | None:
    if not token:
        return None
    return (
        CheckInRequest.objects.select_related("session__coach", "client")
        .filter(token_digest=token_digest(token))
        .first()
    )


def next_checkin_allowed_at(client: User) -> datetime | None:
    """When the client may next check in between sessions; None means now."""
    last = (
        CheckIn.objects.filter(client=client, session__isnull=True)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return None
    allowed = last + timedelta(days=settings.CHECKIN_BETWEEN_SESSIONS_DAYS)
    return allowed if allowed > timezone.now() else None
