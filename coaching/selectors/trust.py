"""Reads about trust: check-ins, flags and private requests, always scoped
to the person asking through the access policy (accounts/policy.py).

Who sees what: a client sees their own check-ins; a coach sees the check-ins
and flags of their current relationships; a supervisor sees those of their
team. Private requests to talk with a supervisor are for the team's
supervisors only: no selector a coach's page uses ever touches them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_clients_shown, audit_event
from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import (
    flag_scope,
    private_request_scope,
    relationship_record_scope,
    relationship_scope,
)
from accounts.policy.relationships import (
    NOTHING,
    checkin_relationship_scope,
    checkin_request_answerer_scope,
    flag_acknowledger_scope,
    flag_resolver_scope,
    private_request_handler_scope,
)
from coaching.models import CheckIn, CheckInRequest, SupervisorRequest, TrustFlag
from common.tokens import token_digest
from sessions_log.models import Session


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
    """Per client: the latest scores (oldest first, for a sparkline), when the latest was
    given, and the number of unresolved flags. One query, whatever the number of clients."""
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


def team_supervisors(team_id: int | None) -> QuerySet[User]:
    """The active supervisors of a team: who a private request goes to."""
    return User.objects.filter(role=Role.SUPERVISOR, team_id=team_id, is_active=True)


def private_requests_of(client: User) -> list[dict]:
    """A client's own requests to talk with a supervisor, newest first, with
    their state in plain words (never what anyone wrote about them)."""
    requests = list(
        SupervisorRequest.objects.filter(client=client)
        .only("created_at", "handled_at", "done_at", "team_id")
        .order_by("-created_at", "-pk")[:5]
    )
    teams = {request.team_id for request in requests}
    staffed = set(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True, team_id__in=teams).values_list(
            "team_id", flat=True
        )
    )
    words = {  # in the reader's language: made per call
        "received": _("Received. A supervisor of your coach's team will read it."),
        "taken": _("A supervisor will contact you."),
        "done": _("Done: a supervisor has talked with you about it."),
    }
    waiting = _("Received. It will be read as soon as a supervisor joins your coach's team.")
    return [
        {
            "created_at": request.created_at,
            "state": request.state,
            "words": words[request.state]
            if request.state != "received" or request.team_id in staffed
            else waiting,
        }
        for request in requests
    ]


def followed_up_checkins_of(client: User) -> list[dict]:
    """The client's own check-ins that raised a flag, and whether someone has followed up
    (acknowledged or resolved), newest first. No rule, no note: only that it was seen."""
    flags = (
        TrustFlag.objects.filter(client=client, checkin__isnull=False)
        .select_related("checkin")
        .only("status", "checkin__created_at")
        .order_by("-checkin__created_at")[:20]
    )
    seen: dict[int, dict] = {}
    for flag in flags:
        entry = seen.setdefault(
            flag.checkin_id, {"created_at": flag.checkin.created_at, "statuses": set()}
        )
        entry["statuses"].add(flag.status)
    rows = []
    for entry in seen.values():
        statuses = entry["statuses"]
        if TrustFlag.Status.OPEN in statuses:
            words = _("Your coaching team has been told.")
        elif TrustFlag.Status.ACKNOWLEDGED in statuses:
            words = _("Your coach has seen it and will talk with you.")
        else:
            words = _("Followed up.")
        rows.append({"created_at": entry["created_at"], "words": words})
    return rows


def open_checkin_requests_of(client: User) -> QuerySet[CheckInRequest]:
    """The check-ins a client has been asked for and can still answer."""
    return (
        CheckInRequest.objects.filter(
            client=client, checkin__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("session", "session__coach")
        .order_by("-created_at")
    )


def checkin_request_is_open(session: Session) -> bool:
    """Whether the session's check-in request can still be answered (the
    outbox asks before it sends the email)."""
    return CheckInRequest.objects.filter(
        session=session, checkin__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def checkin_request_by_token(token: str) -> CheckInRequest | None:
    if not token:
        return None
    return (
        CheckInRequest.objects.select_related("session__coach", "client", "assignment")
        .filter(token_digest=token_digest(token))
        .first()
    )


def _last_between_sessions(client_id) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(client=client_id, session__isnull=True)
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def next_checkin_allowed_at(client: User) -> datetime | None:
    """When the client may next check in between sessions; None means now."""
    last = _last_between_sessions(client.pk).values_list("created_at", flat=True).first()
    return checkin_allowed_after(last)


def checkin_allowed_after(last: datetime | None) -> datetime | None:
    """When a client whose last check-in between sessions was at `last` may
    check in again; None means now."""
    if last is None:
        return None
    allowed = last + timedelta(days=settings.CHECKIN_BETWEEN_SESSIONS_DAYS)
    return allowed if allowed > timezone.now() else None


def _history(before: datetime, assignment: str = "pk") -> dict:
    """What a new check-in is judged against, as annotations read with the
    lock: the client's last check-in between sessions (the write checks the
    rule again: coaching/services/trust_sql.py) and the relationship's
    latest scores before `before`, newest first (scoring.rules_broken)."""
    scores = CheckIn.objects.filter(assignment=OuterRef(assignment), created_at__lt=before)
    newest = scores.order_by("-created_at", "-pk").values("score")
    return {  # a request has its client's id as a relationship does
        "last_between": Subquery(_last_between_sessions(OuterRef("client_id"))),
        "newest_scores": ArraySubquery(newest[: settings.TRUST_FLAG_BASELINE_CHECKINS]),
    }


def flags_resolved_recently(user: User) -> QuerySet[TrustFlag]:
    """Flags resolved in the last RESOLVED_FLAGS_SHOWN_DAYS, newest first:
    they stay in view for a while after they are closed."""
    since = timezone.now() - timedelta(days=settings.RESOLVED_FLAGS_SHOWN_DAYS)
    return (
        flags_visible_to(user)
        .filter(status=TrustFlag.Status.RESOLVED, resolved_at__gte=since)
        .order_by("-resolved_at", "-pk")
    )


def open_flags_and_requests(user: User):
    """The flags inbox: unresolved flags, oldest first, and private requests
    (supervisors only), those not yet taken first."""
    flags = (
        flags_visible_to(user).exclude(status=TrustFlag.Status.RESOLVED).order_by("raised_at", "pk")
    )
    # Not yet taken first, then taken and not yet done, then done.
    requests = supervisor_requests_visible_to(user).order_by(
        F("done_at").asc(nulls_first=True),
        F("handled_at").asc(nulls_first=True),
        "created_at",
    )
    return flags, requests


# Check-ins a client is asked for, on their pages.
PROMPTS_SHOWN = 3


def checkin_prompts(client: User) -> list:
    return list(open_checkin_requests_of(client)[:PROMPTS_SHOWN])


# One record at a time: read through the scope (404 for absent and forbidden
# alike), changed through the acting scope under a row lock.


def checkin_request_for_viewing(user: User, *, session_id: int) -> CheckInRequest:
    """The check-in request about a session, for the client who may answer it."""
    found = (
        CheckInRequest.objects.select_related("session__coach")
        .filter(relationship_record_scope(user), session_id=session_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def checkin_request_for_change(
    user: User, pk: int | None = None, *, session_id: int | None = None, before=None
) -> CheckInRequest:
    """A check-in request its client answers, locked, with its relationship,
    its coach's team and `_history`, in one statement. By `pk` (the emailed
    link's) anyone else is refused; by `session_id` (the page's ?session=)
    it is a 404, as for one that does not exist."""
    lookup = {"pk": pk} if session_id is None else {"session_id": session_id}
    found = (
        CheckInRequest.objects.select_for_update(of=("self",))
        .select_related("assignment")
        .filter(checkin_request_answerer_scope(user), **lookup)
        .annotate(
            coach_team_id=F("assignment__coach__team_id"),
            **_history(before or timezone.now(), "assignment_id"),
        )
        .first()
    )
    if found is None:
        if session_id is not None:
            raise Http404
        raise PermissionDenied
    return found


def checkin_relationship_for_change(user: User, *, before=None) -> CaseloadAssignment | None:
    """The relationship a between-sessions check-in is about, locked: the
    client's with their coach now (None when they have none), with its
    coach's team and `_history`, in one statement."""
    if checkin_relationship_scope(user) == NOTHING:
        raise PermissionDenied
    return (
        CaseloadAssignment.objects.select_for_update(of=("self",))
        .filter(checkin_relationship_scope(user))
        .annotate(coach_team_id=F("coach__team_id"), **_history(before or timezone.now()))
        .first()
    )


def flag_for_viewing(user: User, pk: int) -> TrustFlag:
    found = flags_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def flag_for_change(user: User, pk: int, *, resolve: bool = False) -> TrustFlag:
    """A flag `user` may acknowledge (its coach, its supervisors) or, with
    `resolve`, resolve (its supervisors only), locked."""
    scope = flag_resolver_scope(user) if resolve else flag_acknowledger_scope(user)
    found = (
        TrustFlag.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(scope, pk=pk)
        .first()
    )
    if found is None:
        raise PermissionDenied
    return found


def private_request_for_viewing(user: User, pk: int) -> SupervisorRequest:
    found = supervisor_requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def private_request_for_change(user: User, pk: int) -> SupervisorRequest:
    """A private request `user` may take or mark done (a supervisor of its
    team, never the coach it is about), locked."""
    found = (
        SupervisorRequest.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(private_request_handler_scope(user), pk=pk)
        .first()
    )
    if found is None:
        raise PermissionDenied
    return found


def supervision_inbox(user: User, coach: str = "") -> dict:
    """The flags inbox: unresolved flags, oldest first, those resolved
    recently, and private requests; `coach` (an id) narrows all three.
    Reading a private request is audited per request, like reading a record;
    the flags listed, once per client. One query for all of it."""
    flags, requests = open_flags_and_requests(user)
    resolved = flags_resolved_recently(user)
    if coach.isdigit():
        flags, requests = flags.filter(coach_id=coach), requests.filter(coach_id=coach)
        resolved = resolved.filter(coach_id=coach)
    requests = list(requests[:100])
    flags, resolved = list(flags[:200]), list(resolved[:100])
    audit_clients_shown(
        actor=user,
        shown=[("trust_flags.list", flags + resolved)],
        also=[
            audit_event(
                actor=user, action="supervisor_requests.view", obj=private, client=private.client
            )
            for private in requests
        ],
    )
    return {"flags": flags, "resolved_flags": resolved, "requests": requests}


@dataclass(frozen=True)
class TrustPermissions:
    can_acknowledge_flags: bool
    can_resolve_flags: bool
    can_handle_requests: bool


def permissions_for(user: User, record=None) -> TrustPermissions:
    """What `user` may do with the flags and private requests a page shows
    (those it shows are already in their reading scope): from the acting
    scopes, without a query."""
    return TrustPermissions(
        can_acknowledge_flags=flag_acknowledger_scope(user) != NOTHING,
        can_resolve_flags=flag_resolver_scope(user) != NOTHING,
        can_handle_requests=private_request_handler_scope(user) != NOTHING,
    )
