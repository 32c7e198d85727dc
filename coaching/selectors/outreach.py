"""Reads about outreach: a client's contact preferences, the attempts to reach
them, and "no successful contact for N days", scoped through the access
policy (accounts/policy.py: outreach_scope).

A successful contact is an attempt whose outcome is "reached", or a
completed session. Attempts since the last one are the tries that did not
reach the client. Each figure is annotations of a queryset the page already
runs, or one grouped query.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
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
from sessions_log.models import Session

LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)

# ------------------------------------------------------------- the records


def attempts_visible_to(user: User) -> QuerySet[OutreachAttempt]:
    return OutreachAttempt.objects.filter(outreach_scope(user)).select_related("coach")


def contact_preferences_visible_to(user: User) -> QuerySet[ContactPreferences]:
    return ContactPreferences.objects.filter(outreach_scope(user))


def outreach_clients_visible_to(user: User) -> QuerySet[User]:
    """The clients whose outreach page `user` may open."""
    return User.objects.filter(outreach_scope(user, "pk"), role=Role.CLIENT)


def outreach_clients_loggable_by(user: User) -> QuerySet[User]:
    """The clients for whom `user` logs attempts and sets preferences."""
    return User.objects.filter(outreach_logger_scope(user, "pk"), role=Role.CLIENT)


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


def outreach_page(viewer: User, client: User) -> dict:
    """A client's contact preferences, their newest attempts
    (OUTREACH_ATTEMPTS_SHOWN), and the last successful contact. Audited as
    "outreach.view". Four queries, whatever the number of attempts."""
    audit_record(actor=viewer, action="outreach.view", obj=client, client=client)
    preferences = contact_preferences_visible_to(viewer).filter(client=client).first()
    attempts = list(
        attempts_visible_to(viewer)
        .filter(client=client)
        .order_by("-at", "-pk")[: settings.OUTREACH_ATTEMPTS_SHOWN]
    )
    contact = outreach_by_client(viewer, [client.pk])[client.pk]
    return {"preferences": preferences, "attempts": attempts, "contact": contact}
