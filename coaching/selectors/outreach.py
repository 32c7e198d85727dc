"""Reads about outreach: a client's contact preferences, the attempts to reach
them, and "no successful contact for N days", scoped through the access
policy (accounts/policy.py: outreach_scope).

A successful contact is an attempt whose outcome is "reached", or a
completed session. Attempts since the last one are the tries that did not
reach the client. Each figure is annotations of a queryset the page already
runs, or one grouped query.

A client's outreach is read through `outreach_for_viewing` (404 for a client
someone may not see, as for one that does not exist; the one place the read
is audited) and written through `outreach_client_for_change` (the acting
scope, the client's row locked).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import (
    outreach_logger_scope,
    outreach_scope,
    relationship_scope,
    reviewable_relationship_scope,
)
from coaching.models import ContactPreferences, Episode, OutreachAttempt
from coaching.selectors.acting import holds
from sessions_log.models import Session

LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)

# ------------------------------------------------------------- the records


def attempts_visible_to(user: User) -> QuerySet[OutreachAttempt]:
    return OutreachAttempt.objects.filter(outreach_scope(user)).select_related("coach")


def contact_preferences_visible_to(user: User) -> QuerySet[ContactPreferences]:
    return ContactPreferences.objects.filter(outreach_scope(user))


def outreach_clients_visible_to(user: User) -> QuerySet[User]:
    """The clients whose outreach page `user` may open, each with whether
    `user` may log attempts and set preferences (may_log: read by
    permissions_for), in the same query."""
    return User.objects.filter(outreach_scope(user, "pk"), role=Role.CLIENT).annotate(
        may_log=holds(outreach_logger_scope(user, "pk"))
    )


def outreach_clients_loggable_by(user: User) -> QuerySet[User]:
    """The clients for whom `user` logs attempts and sets preferences."""
    return User.objects.filter(outreach_logger_scope(user, "pk"), role=Role.CLIENT)


def outreach_client_for_change(user: User, pk: int) -> User:
    """The client `pk`, their row locked, if `user` logs attempts and sets
    preferences for them (outreach_logger_scope); PermissionDenied
    otherwise. Call it inside the transaction that writes."""
    clients = User.objects.select_for_update(of=("self",))
    client = clients.filter(outreach_logger_scope(user, "pk"), role=Role.CLIENT, pk=pk).first()
    if client is None:
        raise PermissionDenied
    return client


@dataclass(frozen=True)
class OutreachPermissions:
    """The outreach page's forms: from the same acting scope as the services."""

    can_log: bool = False


def permissions_for(user: User, client: User) -> OutreachPermissions:
    """What `user` may do on `client`'s outreach page. No query for a client
    from outreach_clients_visible_to (its flag came with it)."""
    if not hasattr(client, "may_log"):
        client = outreach_clients_visible_to(user).filter(pk=client.pk).first()
        if client is None:
            return OutreachPermissions()
    return OutreachPermissions(can_log=client.may_log)


# ------------------------------------------------------ the last contact


def with_last_contact(queryset: QuerySet, client_ref: str = "client_id") -> QuerySet:
    """Annotates each row (relationships; clients with client_ref "pk") with
    `last_contact_at` (the newest successful contact: an attempt that
    reached the client, or the start of a completed session; None: never)
    and `attempts_since` (attempts after it, all unsuccessful). Subqueries
    walking an index each: no query of its own."""
    reached = OutreachAttempt.objects.filter(
        client_id=OuterRef(client_ref), outcome=OutreachAttempt.Outcome.REACHED
    ).order_by("-at")
    held = Session.objects.filter(
        client_id=OuterRef(client_ref), status=Session.Status.COMPLETED
    ).order_by("-starts_at")
    since = OutreachAttempt.objects.filter(
        client_id=OuterRef(client_ref),
        at__gt=Coalesce(OuterRef("last_contact_at"), Value(LONG_AGO)),
    )
    # PostgreSQL's GREATEST ignores NULLs: None only when both are.
    return queryset.annotate(
        last_contact_at=Greatest(
            Subquery(reached.values("at")[:1]),
            Subquery(held.values("starts_at")[:1]),
            output_field=DateTimeField(),
        )
    ).annotate(
        attempts_since=Coalesce(
            Subquery(
                since.order_by()
                .annotate(group=Value(1))
                .values("group")
                .annotate(count=Count("pk"))
                .values("count"),
                output_field=IntegerField(),
            ),
            0,
        )
    )


def days_without_contact(last_contact_at: datetime | None, *, now: datetime | None = None):
    """Whole days since the last successful contact; None: never reached."""
    if last_contact_at is None:
        return None
    return ((now or timezone.now()) - last_contact_at).days


def without_contact_since(relationships: QuerySet, days: int, now: datetime | None):
    """Relationships whose client has had no successful contact for `days`
    days: counted from the last contact, or from the start of the
    relationship for a client never reached."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return with_last_contact(relationships).filter(
        Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, started_at__lt=cutoff)
    )


def last_episode_discharged(client_ref: str = "client_id") -> Q:
    """The client's last episode is discharged: nobody is expected to reach
    them (a client who never had an episode is still reached out to)."""
    episodes = Episode.objects.filter(client_id=OuterRef(client_ref))
    return Q(Exists(episodes)) & ~Q(Exists(episodes.filter(discharge_date__isnull=True)))


def clients_without_contact(
    viewer: User, *, days: int | None = None, now: datetime | None = None
) -> QuerySet[CaseloadAssignment]:
    """The relationships in `viewer`'s view (a coach's caseload, a
    supervisor's team) whose client has had no successful contact for
    `days` days (OUTREACH_NO_CONTACT_DAYS), discharged clients left out:
    longest silence first, each with last_contact_at and attempts_since."""
    days = settings.OUTREACH_NO_CONTACT_DAYS if days is None else days
    return (
        without_contact_since(
            CaseloadAssignment.objects.filter(relationship_scope(viewer)), days, now
        )
        .exclude(last_episode_discharged())
        .select_related("client", "coach")
        .order_by(F("last_contact_at").asc(nulls_first=True), "started_at", "pk")
    )


def outreach_by_client(viewer: User, client_ids: list[int]) -> dict[int, dict]:
    """Per client `viewer` may see (a coach's clients now, a supervisor's
    team's): "last_contact_at", "days" without contact (None: never
    reached) and "attempts_since". One query, whatever the number."""
    now = timezone.now()
    clients = with_last_contact(
        User.objects.filter(outreach_scope(viewer, "pk"), pk__in=client_ids), "pk"
    ).values("pk", "last_contact_at", "attempts_since")
    found = {pk: {"last_contact_at": None, "days": None, "attempts_since": 0} for pk in client_ids}
    for row in clients:
        found[row["pk"]] = {
            "last_contact_at": row["last_contact_at"],
            "days": days_without_contact(row["last_contact_at"], now=now),
            "attempts_since": row["attempts_since"],
        }
    return found


def no_contact_counts_by_coach(
    viewer: User, coach_ids: list[int], *, days: int | None = None, now: datetime | None = None
) -> dict[int, int]:
    """Per coach (a supervisor's team, an admin's every coach, a coach
    themselves): how many of their current clients have had no successful
    contact for `days` days (OUTREACH_NO_CONTACT_DAYS), discharged clients
    left out. One grouped query."""
    days = settings.OUTREACH_NO_CONTACT_DAYS if days is None else days
    scope = (
        reviewable_relationship_scope(viewer)
        if viewer.role == Role.ADMIN
        else relationship_scope(viewer)
    )
    rows = (
        without_contact_since(
            CaseloadAssignment.objects.filter(scope, coach_id__in=coach_ids), days, now
        )
        .exclude(last_episode_discharged())
        .order_by()
        .values("coach_id")
        .annotate(count=Count("pk"))
    )
    found = dict.fromkeys(coach_ids, 0)
    for row in rows:
        found[row["coach_id"]] = row["count"]
    return found


# ------------------------------------------------------------------ the page


def outreach_for_viewing(user: User, pk: int) -> dict:
    """The outreach page of the client `pk` as `user` may see it
    (outreach_page), with "client": 404 for a client they may not see, as
    for one who does not exist. The one place the read is audited
    ("outreach.view")."""
    client = get_object_or_404(outreach_clients_visible_to(user), pk=pk)
    audit_record(actor=user, action="outreach.view", obj=client, client=client)
    return {**outreach_page(user, client), "client": client}


def outreach_page(viewer: User, client: User) -> dict:
    """A client's contact preferences, their newest attempts
    (OUTREACH_ATTEMPTS_SHOWN), and the last successful contact. Three
    queries, whatever the number of attempts (outreach_for_viewing audits)."""
    preferences = contact_preferences_visible_to(viewer).filter(client=client).first()
    attempts = list(
        attempts_visible_to(viewer)
        .filter(client=client)
        .order_by("-at", "-pk")[: settings.OUTREACH_ATTEMPTS_SHOWN]
    )
    contact = outreach_by_client(viewer, [client.pk])[client.pk]
    return {"preferences": preferences, "attempts": attempts, "contact": contact}
