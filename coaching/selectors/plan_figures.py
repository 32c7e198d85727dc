"""The figures the homes, the team dashboard and the plans-due list show
about recovery plans: reviews due, plans not yet agreed, and whether
coaches' suggestions get tried.

Each figure comes two ways: as annotations of a queryset the page already
runs (no extra query), or as one grouped query over many clients or coaches.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import (
    plan_scope,
    relationship_scope,
    reviewable_coach_scope,
    reviewable_relationship_scope,
)
from coaching.models import Step

TRIED = (Step.State.TRYING, Step.State.DONE)

# ------------------------------------------------------------------- figures


def with_plan_status(
    relationships: QuerySet[CaseloadAssignment], *, now: datetime | None = None
) -> QuerySet[CaseloadAssignment]:
    """Annotates each relationship (CaseloadAssignment) with its client's plan:
    - plan_agreed_at: when it was last agreed (None: never);
    - plan_review_due_at: that plus PLAN_REVIEW_DAYS;
    - plan_review_due: True once that time has come;
    - plan_not_agreed: True when the client has no agreed plan
      PLAN_AGREE_WITHIN_DAYS after the relationship started.
    Subqueries of the query that lists the relationships: no query of its own.
    """
    now = now or timezone.now()
    review = timedelta(days=settings.PLAN_REVIEW_DAYS)
    agree_within = timedelta(days=settings.PLAN_AGREE_WITHIN_DAYS)
    agreed_at = F("client__recovery_plan__last_agreed_at")
    return relationships.annotate(plan_agreed_at=agreed_at).annotate(
        plan_review_due_at=ExpressionWrapper(
            F("plan_agreed_at") + Value(review), output_field=DateTimeField()
        ),
        plan_review_due=Case(
            When(plan_agreed_at__lte=now - review, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        plan_not_agreed=Case(
            When(plan_agreed_at__isnull=True, started_at__lte=now - agree_within, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def _figures_scope(viewer: User) -> Q:
    """Relationships whose plan figures `viewer` may see: a coach, their
    own; a supervisor, their team's; an admin, every active one (counts
    only, no one's words)."""
    if viewer.role == Role.ADMIN:
        return reviewable_relationship_scope(viewer)
    return relationship_scope(viewer)


def plans_to_attend(viewer: User) -> QuerySet[CaseloadAssignment]:
    """The relationships in `viewer`'s view (a coach's caseload, a
    supervisor's team) whose client's plan is due for review or not agreed
    in time: most overdue first."""
    return (
        with_plan_status(CaseloadAssignment.objects.filter(relationship_scope(viewer)))
        .filter(Q(plan_review_due=True) | Q(plan_not_agreed=True))
        .select_related("client", "coach")
        .order_by(F("plan_agreed_at").asc(nulls_first=True), "started_at", "pk")
    )


def plan_due_counts_by_coach(viewer: User, coach_ids: list[int]) -> dict[int, dict]:
    """Per coach: how many of their clients' plans are due for review
    ("review_due") and how many clients have no agreed plan in time
    ("not_agreed"). One grouped query, whatever the number of coaches."""
    rows = (
        with_plan_status(
            CaseloadAssignment.objects.filter(_figures_scope(viewer), coach_id__in=coach_ids)
        )
        .order_by()
        .values("coach_id")
        .annotate(
            review_due=Count("pk", filter=Q(plan_review_due=True)),
            not_agreed=Count("pk", filter=Q(plan_not_agreed=True)),
        )
    )
    found = {pk: {"review_due": 0, "not_agreed": 0} for pk in coach_ids}
    for row in rows:
        found[row["coach_id"]] = {"review_due": row["review_due"], "not_agreed": row["not_agreed"]}
    return found


def _count_of(steps: QuerySet[Step], group: str) -> Coalesce:
    return Coalesce(
        Subquery(
            steps.order_by().values(group).annotate(count=Count("pk")).values("count"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_suggested_steps(queryset: QuerySet, client_ref: str = "client_id") -> QuerySet:
    """Annotates each row of `queryset` (relationships, sessions, anything
    with the client at `client_ref`; "pk" for clients themselves) with
    `steps_suggested` (steps of the client's plan that a coach suggested)
    and `steps_tried` (of those, the ones trying or done). Subqueries: no
    query of its own. The caller's queryset is already scoped to clients
    the viewer sees."""
    suggested = Step.objects.filter(
        goal__plan__client=OuterRef(client_ref), suggested_by=Step.SuggestedBy.COACH
    )
    return queryset.annotate(
        steps_suggested=_count_of(suggested, "goal__plan__client"),
        steps_tried=_count_of(suggested.filter(state__in=TRIED), "goal__plan__client"),
    )


def suggested_steps_by_client(viewer: User, client_ids: list[int]) -> dict[int, dict]:
    """Per client `viewer` may see: steps a coach suggested ("suggested")
    and how many of those the client is trying or has done ("tried"). One
    grouped query."""
    rows = (
        Step.objects.filter(plan_scope(viewer, "goal__plan__client"))
        .filter(goal__plan__client_id__in=client_ids, suggested_by=Step.SuggestedBy.COACH)
        .order_by()
        .values("goal__plan__client_id")
        .annotate(suggested=Count("pk"), tried=Count("pk", filter=Q(state__in=TRIED)))
    )
    found = {pk: {"suggested": 0, "tried": 0} for pk in client_ids}
    for row in rows:
        found[row["goal__plan__client_id"]] = {"suggested": row["suggested"], "tried": row["tried"]}
    return found


def own_steps_summary(client: User) -> dict:
    """For a client's home: how many steps of their own plan are still to
    try ("open": not started or trying) and how many are done. One query."""
    return Step.objects.filter(goal__plan__client=client).aggregate(
        open=Count("pk", filter=Q(state__in=[Step.State.NOT_STARTED, Step.State.TRYING])),
        done=Count("pk", filter=Q(state=Step.State.DONE)),
    )


def _since(days: int, now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def suggestions_tried_by_coach(
    viewer: User, coach_ids: list[int], *, days: int = 90, now: datetime | None = None
) -> dict[int, dict]:
    """Per coach `viewer` may review (a supervisor, their team's; an admin,
    every one): of the steps the coach suggested in the last `days` days,
    how many ("suggested"), how many the clients are trying or have done
    ("tried"), and that share as a whole percentage ("share", None when
    there were none). One grouped query; figures only."""
    reviewable = User.objects.filter(reviewable_coach_scope(viewer), pk__in=coach_ids)
    rows = (
        Step.objects.filter(
            coach__in=reviewable.values("pk"),
            suggested_by=Step.SuggestedBy.COACH,
            created_at__gte=_since(days, now),
        )
        .order_by()
        .values("coach_id")
        .annotate(suggested=Count("pk"), tried=Count("pk", filter=Q(state__in=TRIED)))
    )
    found = {pk: {"suggested": 0, "tried": 0, "share": None} for pk in coach_ids}
    for row in rows:
        suggested, tried = row["suggested"], row["tried"]
        found[row["coach_id"]] = {
            "suggested": suggested,
            "tried": tried,
            "share": round(100 * tried / suggested) if suggested else None,
        }
    return found


def with_suggestions_tried(
    coaches: QuerySet[User], *, days: int = 90, now: datetime | None = None
) -> QuerySet[User]:
    """Annotates each coach of a queryset (already scoped to the coaches the
    viewer may review) with `suggested_steps` and `tried_steps` over the
    last `days` days. Subqueries: no query of its own."""
    suggested = Step.objects.filter(
        coach=OuterRef("pk"),
        suggested_by=Step.SuggestedBy.COACH,
        created_at__gte=_since(days, now),
    )
    return coaches.annotate(
        suggested_steps=_count_of(suggested, "coach"),
        tried_steps=_count_of(suggested.filter(state__in=TRIED), "coach"),
    )
