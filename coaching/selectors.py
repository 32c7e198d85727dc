"""Reads about coaching relationships, always scoped to the person asking.

Who sees what: a client sees their own check-ins; a coach sees the check-ins
and flags of their current relationships; a supervisor sees those of their
team. Private requests to talk with a supervisor are for the team's
supervisors only: no selector a coach's page uses ever touches them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, User
from accounts.selectors import relationship_scope
from accounts.tokens import token_digest
from coaching.models import CheckIn, CheckInRequest, SupervisorRequest, TrustFlag


def checkins_visible_to(user: User) -> QuerySet[CheckIn]:
    if not user.is_active:
        return CheckIn.objects.none()
    scope = Q(client=user) if user.role == Role.CLIENT else relationship_scope(user, "assignment__")
    return CheckIn.objects.filter(scope).select_related("coach", "session")


def flags_visible_to(user: User) -> QuerySet[TrustFlag]:
    if not user.is_active or user.role not in (Role.COACH, Role.SUPERVISOR):
        return TrustFlag.objects.none()
    return TrustFlag.objects.filter(relationship_scope(user, "assignment__")).select_related(
        "client", "coach", "acknowledged_by", "resolved_by"
    )


def supervisor_requests_visible_to(user: User) -> QuerySet[SupervisorRequest]:
    if not user.is_active or user.role != Role.SUPERVISOR or not user.team_id:
        return SupervisorRequest.objects.none()
    return SupervisorRequest.objects.filter(team_id=user.team_id).select_related(
        "client", "coach", "handled_by"
    )


def trust_summaries(viewer: User, client_ids: list[int]) -> dict[int, dict]:
    """Per client: the latest scores (oldest first, for a sparkline), when
    the latest was given, and the number of unresolved flags. One query,
    whatever the number of clients."""
    relationships = CaseloadAssignment.objects.filter(
        relationship_scope(viewer), client_id__in=client_ids
    )
    # Per relationship, an index walk that stops after a few rows, however
    # long the history.
    newest = CheckIn.objects.filter(assignment=OuterRef("pk")).order_by("-created_at", "-pk")
    rows = relationships.annotate(
        newest_scores=ArraySubquery(newest.values("score")[: settings.TRUST_SPARKLINE_POINTS]),
        latest_at=Subquery(newest.values("created_at")[:1]),
        open_flags=Coalesce(
            Subquery(
                TrustFlag.objects.filter(assignment=OuterRef("pk"))
                .exclude(status=TrustFlag.Status.RESOLVED)
                .order_by()
                .values("assignment")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        ),
    ).values_list("client_id", "newest_scores", "latest_at", "open_flags")
    found = {
        pk: {
            "scores": list(reversed(scores)),
            "latest": scores[0] if scores else None,
            "latest_at": latest_at,
            "open_flags": open_flags,
        }
        for pk, scores, latest_at, open_flags in rows
    }
    nothing = {"scores": [], "latest": None, "latest_at": None, "open_flags": 0}
    return {pk: found.get(pk, nothing) for pk in client_ids}


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
