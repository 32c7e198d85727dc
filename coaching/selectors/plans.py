"""Reads of recovery plans, scoped through the access policy
(accounts/policy.py: plan_scope and its kin), and the figures the homes
and the team dashboard show about plans: reviews due, plans not yet agreed,
and whether coaches' suggestions get tried.

Each figure comes two ways: as annotations of a queryset the page already
runs (no extra query), or as one grouped query over many clients or coaches.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import (
    note_goal_scope,
    plan_agreer_scope,
    plan_editor_scope,
    plan_scope,
    plan_signer_scope,
    relationship_scope,
    reviewable_coach_scope,
    reviewable_relationship_scope,
)
from coaching.models import (
    AgreedGoal,
    AgreedStep,
    Goal,
    LifeArea,
    NoteGoal,
    Plan,
    PlanChange,
    PlanVersion,
    Step,
)

TRIED = (Step.State.TRYING, Step.State.DONE)


# ------------------------------------------------------------- the records


def plans_visible_to(user: User) -> QuerySet[Plan]:
    return Plan.objects.filter(plan_scope(user))


def goals_visible_to(user: User) -> QuerySet[Goal]:
    return Goal.objects.filter(plan_scope(user, "plan__client"))


def steps_visible_to(user: User) -> QuerySet[Step]:
    return Step.objects.filter(plan_scope(user, "goal__plan__client"))


def plan_versions_visible_to(user: User) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan_scope(user, "plan__client"))


def note_goals_visible_to(user: User) -> QuerySet[NoteGoal]:
    return NoteGoal.objects.filter(note_goal_scope(user))


def goals_editable_by(user: User) -> QuerySet[Goal]:
    return Goal.objects.filter(plan_editor_scope(user, "plan__client"))


def steps_editable_by(user: User) -> QuerySet[Step]:
    return Step.objects.filter(plan_editor_scope(user, "goal__plan__client")).select_related("goal")


def versions_agreeable_by(user: User) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan_agreer_scope(user, "plan__client"))


def versions_signable_by(user: User) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan_signer_scope(user, "plan__client"))


def plan_clients_visible_to(user: User) -> QuerySet[User]:
    """The people whose plan `user` may open (a client: themselves)."""
    return User.objects.filter(plan_scope(user, "pk"), role=Role.CLIENT)


def life_areas() -> QuerySet[LifeArea]:
    return LifeArea.objects.filter(active=True)


# ------------------------------------------------------------ the plan page


def review_due_on(agreed_at: datetime | None) -> date | None:
    if agreed_at is None:
        return None
    return (agreed_at + timedelta(days=settings.PLAN_REVIEW_DAYS)).date()


def plan_page(viewer: User, client: User, *, action: str = "plan.view") -> dict:
    """Everything the plan page shows, in a fixed number of queries however
    many goals and steps: the plan, its versions, its goals with their
    steps, and per goal the sessions whose notes worked on it (as the
    viewer may see those notes). The read is audited (`action`)."""
    plan = plans_visible_to(viewer).filter(client=client).first()
    audit_record(actor=viewer, action=action, obj=plan or client, client=client)
    if plan is None:
        return {"plan": None, "goals": [], "versions": [], "draft": None, "agreed": None}
    versions = list(plan.versions.select_related("coach_signed_by").order_by("number"))
    steps = Step.objects.select_related("state_changed_by").order_by("created_at", "pk")
    goals = list(
        plan.goals.select_related("area", "updated_by").prefetch_related(
            Prefetch("steps", queryset=steps)
        )
    )
    worked_on: dict[int, list] = {}
    links = (
        note_goals_visible_to(viewer)
        .filter(goal__plan=plan)
        .select_related("note__session")
        .order_by("-note__session__starts_at", "-pk")
    )
    for link in links:
        worked_on.setdefault(link.goal_id, []).append(link)
    for goal in goals:
        goal.sessions = worked_on.get(goal.pk, [])
    agreed = [version for version in versions if version.is_agreed]
    last_agreed = agreed[-1] if agreed else None
    return {
        "plan": plan,
        "goals": goals,
        "versions": versions,
        "draft": next((version for version in versions if not version.is_agreed), None),
        "agreed": last_agreed,
        "review_due_on": review_due_on(last_agreed.agreed_at if last_agreed else None),
    }


def _diff(before: dict, after: dict, fields: dict[str, str]) -> list[dict]:
    """What differs between two versions' goals (or steps), keyed by the live
    record's id: each {"kind": "added" | "changed" | "removed", "before",
    "after", "fields": [(label, old value, new value)]}; unchanged ones are
    left out."""
    found = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None:
            found.append({"kind": "added", "before": None, "after": new, "fields": []})
        elif new is None:
            found.append({"kind": "removed", "before": old, "after": None, "fields": []})
        else:
            changed = [
                (label, old[name], new[name])
                for name, label in fields.items()
                if old[name] != new[name]
            ]
            if changed:
                found.append({"kind": "changed", "before": old, "after": new, "fields": changed})
    return found


def _as_agreed(version_ids: list[int]) -> dict[int, tuple[dict, dict]]:
    """Per agreed version: its goals and its steps, as plain dicts keyed
    by the live goal's and step's id. Two queries for all the versions."""
    found: dict[int, tuple[dict, dict]] = {pk: ({}, {}) for pk in version_ids}
    for goal in AgreedGoal.objects.filter(version_id__in=version_ids):
        found[goal.version_id][0][goal.goal_id] = {
            "area": goal.area,
            "words": goal.words,
            "why": goal.why,
        }
    for step in AgreedStep.objects.filter(agreed_goal__version_id__in=version_ids).select_related(
        "agreed_goal"
    ):
        found[step.agreed_goal.version_id][1][step.step_id] = {
            "action": step.action,
            "who": step.get_who_display(),
            "target_date": step.target_date,
        }
    return found


def _as_now(goals: list[Goal]) -> tuple[dict, dict]:
    return (
        {goal.pk: {"area": goal.area.name, "words": goal.words, "why": goal.why} for goal in goals},
        {
            step.pk: {
                "action": step.action,
                "who": step.get_who_display(),
                "target_date": step.target_date,
            }
            for goal in goals
            for step in goal.steps.all()
        },
    )


GOAL_FIELDS = {"words": "The goal", "area": "Part of life", "why": "Why it matters"}
STEP_FIELDS = {"action": "The step", "who": "Who takes it", "target_date": "Try it by"}


def plan_history(viewer: User, client: User) -> dict:
    """The plan page's data, and per version (newest first) what changed
    since the version before it (the draft: since the last agreed one),
    with who changed what and when. A fixed number of queries."""
    page = plan_page(viewer, client, action="plan.history")
    plan = page["plan"]
    if plan is None:
        return {**page, "history": []}
    versions = page["versions"]
    agreed = _as_agreed([version.pk for version in versions if version.is_agreed])
    changes = list(
        PlanChange.objects.filter(plan=plan).select_related("actor").order_by("at", "pk")
    )
    now = _as_now(page["goals"])
    history, previous, since = [], ({}, {}), None
    for version in versions:
        content = agreed[version.pk] if version.is_agreed else now
        until = version.agreed_at
        history.append(
            {
                "version": version,
                "goals": _diff(previous[0], content[0], GOAL_FIELDS),
                "steps": _diff(previous[1], content[1], STEP_FIELDS),
                "changes": [
                    change
                    for change in changes
                    if (since is None or change.at > since)
                    and (until is None or change.at <= until)
                ],
            }
        )
        if version.is_agreed:
            previous, since = content, version.agreed_at
    history.reverse()
    return {**page, "history": history}


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
        steps_visible_to(viewer)
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


# ------------------------------------------------------------ notes' goals


def note_goal_choices(note) -> tuple[list[Goal], dict[int, str]]:
    """The goals of a note's client's plan, and the words the note already
    has for those it worked on. One query: the note form (and its autosave,
    many times a session) asks this."""
    link = NoteGoal.objects.filter(note=note, goal=OuterRef("pk"))
    goals = list(
        Goal.objects.filter(plan__client_id=note.session.client_id)
        .select_related("area")
        .annotate(note_chose=Exists(link), note_words=Subquery(link.values("words")[:1]))
    )
    chosen = {goal.pk: goal.note_words for goal in goals if goal.note_chose}
    return goals, chosen


def note_goals_shown(note, viewer: User) -> list[tuple[str, str]]:
    """What a note shows of the plan goals it worked on: (goal, words)."""
    links = note_goals_visible_to(viewer).filter(note=note).select_related("goal__area")
    return [(f"{link.goal.area.name}: {link.goal.words}", link.words) for link in links]


def audit_plans_listed(viewer: User, relationships) -> None:
    audit_clients_shown(actor=viewer, shown=[("plans_due.list", relationships)])
