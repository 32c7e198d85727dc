"""Reads about trust: check-ins, flags and private requests, always scoped
to the person asking through the access policy (accounts/policy.py).

Who sees what: a client sees their own check-ins; a coach sees the check-ins
and flags of their current relationships; a supervisor sees those of their
team. Private requests to talk with a supervisor are for the team's
supervisors only: no selector a coach's page uses ever touches them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CaseloadAssignment, User
from accounts.policy import (
    flag_scope,
    private_request_scope,
    relationship_record_scope,
    relationship_scope,
)
from accounts.tokens import token_digest
from coaching.models import CheckIn, CheckInRequest, SupervisorRequest, TrustFlag


def checkins_visible_to(user: User) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(relationship_record_scope(user)).select_related(
        "coach", "session"
    )


def flags_visible_to(user: User) -> QuerySet[TrustFlag]:
    return TrustFlag.objects.filter(flag_scope(user)).select_related(
        "client", "coach", "acknowledged_by", "resolved_by"
    )


def supervisor_requests_visible_to(user: User) -> QuerySet[SupervisorRequest]:
    return SupervisorRequest.objects.filter(private_request_scope(user)).select_related(
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


def open_flags_and_requests(user: User):
    """The flags inbox: unresolved flags, oldest first, and private requests
    (supervisors only), those not yet taken first."""
    flags = (
        flags_visible_to(user).exclude(status=TrustFlag.Status.RESOLVED).order_by("raised_at", "pk")
    )
    requests = supervisor_requests_visible_to(user).order_by(
        F("handled_at").asc(nulls_first=True), "created_at"
    )
    return flags, requests
