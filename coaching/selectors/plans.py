"""Reads of recovery plans, scoped through the access policy
(accounts/policy/plans.py: plan_scope and its kin): the plan page, its
history and print, and the goals a note worked on. The figures the homes
and the dashboard show about plans are in plan_figures.py.

A plan is read through `plan_for_viewing` (404 for a plan someone may not
see, as for one that does not exist; the one place its read is audited) and
changed through `plan_for_change` (the acting scope, the plan's row locked):
goals, steps and versions are changed through their plan.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import Role, User
from accounts.policy import (
    note_goal_scope,
    plan_agreer_scope,
    plan_editor_scope,
    plan_scope,
    plan_signer_scope,
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
from coaching.models.plans import area_label
from coaching.selectors.acting import holds
from coaching.selectors.note_goals import note_goal_choices_read
from coaching.selectors.plan_figures import plans_to_attend
from common.paging import page_of

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
    """The people whose plan `user` may open (a client: themselves), each
    with what `user` may do to it (may_edit, may_agree, may_sign: read by
    permissions_for), in the same query."""
    return User.objects.filter(plan_scope(user, "pk"), role=Role.CLIENT).annotate(
        may_edit=holds(plan_editor_scope(user, "pk")),
        may_agree=holds(plan_agreer_scope(user, "pk")),
        may_sign=holds(plan_signer_scope(user, "pk")),
    )


def life_areas() -> QuerySet[LifeArea]:
    return LifeArea.objects.filter(active=True)


def plan_client(user: User, pk: int) -> User:
    """The client whose plan `user` writes in or agrees to (the services
    check what they may do): 404 for one whose plan they may not see."""
    return get_object_or_404(plan_clients_visible_to(user), pk=pk)


# ------------------------------------------------------ reading, changing


def plan_for_viewing(user: User, pk: int, *, action: str = "plan.view") -> dict:
    """The plan page of the client `pk`, as `user` may see it (plan_page),
    with "client": 404 for a client whose plan they may not see, as for one
    who does not exist. The one place the read is audited (`action`:
    plan.view, plan.print)."""
    client = plan_client(user, pk)
    page = plan_page(user, client)
    audit_record(actor=user, action=action, obj=page["plan"] or client, client=client)
    return {**page, "client": client}


def plan_for_change(user: User, pk: int, *, scope=plan_editor_scope) -> Plan:
    """The plan `pk`, its row locked (one change to a plan at a time: a
    signature and an edit cannot cross), if `user` is within the acting
    `scope` (plan_editor_scope: edit; plan_agreer_scope: agree;
    plan_signer_scope: sign). PermissionDenied otherwise. Call it inside
    the transaction that changes the plan."""
    plan = (
        Plan.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(scope(user), pk=pk)
        .first()
    )
    if plan is None:
        raise PermissionDenied
    return plan


def plan_client_for_change(user: User, pk: int) -> User:
    """The client `pk` whose plan `user` may start (plan_editor_scope), the
    client's row locked; PermissionDenied otherwise."""
    clients = User.objects.select_for_update(of=("self",))
    client = clients.filter(plan_editor_scope(user, "pk"), pk=pk).first()
    if client is None:
        raise PermissionDenied
    return client


@dataclass(frozen=True)
class PlanPermissions:
    """The plan page's buttons: from the same acting scopes as the services."""

    can_edit: bool = False
    can_confirm: bool = False
    can_sign: bool = False


def permissions_for(user: User, client: User, page: dict | None = None) -> PlanPermissions:
    """What `user` may do on `client`'s plan page (`page`: plan_page's data,
    for the draft's state). No query for a client from
    plan_clients_visible_to (its flags came with it)."""
    if not hasattr(client, "may_edit"):
        client = plan_clients_visible_to(user).filter(pk=client.pk).first()
        if client is None:
            return PlanPermissions()
    draft = (page or {}).get("draft")
    signable = draft is not None and bool((page or {}).get("goals"))
    return PlanPermissions(
        can_edit=client.may_edit,
        can_confirm=client.may_agree and signable and not draft.client_confirmed_at,
        can_sign=client.may_sign and signable and not draft.coach_signed_at,
    )


def plans_due_for_viewing(user: User, *, coach_id: int | None, page: str | None):
    """A page of the plans due for review or not agreed in time in `user`'s
    view (one coach's, with `coach_id`); the clients shown are audited
    ("plans_due.list")."""
    relationships = plans_to_attend(user)
    if coach_id is not None:
        relationships = relationships.filter(coach_id=coach_id)
    shown = page_of(relationships, page)
    audit_clients_shown(actor=user, shown=[("plans_due.list", shown.object_list)])
    return shown


def plans_due_shows_coach(user: User) -> bool:
    """Whether the plans-due list spans several coaches (a supervisor's
    team), so each row names the coach."""
    return user.role == Role.SUPERVISOR


# ------------------------------------------------------------ the plan page


def review_due_on(agreed_at: datetime | None) -> date | None:
    if agreed_at is None:
        return None
    return (agreed_at + timedelta(days=settings.PLAN_REVIEW_DAYS)).date()


def plan_page(viewer: User, client: User) -> dict:
    """Everything the plan page shows, in a fixed number of queries however
    many goals and steps: the plan, its versions, its goals with their
    steps, and per goal the sessions whose notes worked on it (as the
    viewer may see those notes). Not audited: plan_for_viewing and
    plan_history, which call it, are."""
    plan = plans_visible_to(viewer).filter(client=client).first()
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
            "area": area_label(goal.area),
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
        {
            goal.pk: {"area": goal.area.label, "words": goal.words, "why": goal.why}
            for goal in goals
        },
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


GOAL_FIELDS = {"words": _("The goal"), "area": _("Part of life"), "why": _("Why it matters")}
STEP_FIELDS = {"action": _("The step"), "who": _("Who takes it"), "target_date": _("Try it by")}


def plan_history(viewer: User, pk: int) -> dict:
    """The plan page's data of the client `pk` (plan_for_viewing: 404, and
    audited as "plan.history"), and per version (newest first) what changed
    since the version before it (the draft: since the last agreed one),
    with who changed what and when. A fixed number of queries."""
    page = plan_for_viewing(viewer, pk, action="plan.history")
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


# ------------------------------------------------------------ notes' goals


def note_goal_choices(note) -> tuple[list[Goal], dict[int, str]]:
    """The goals of a note's client's plan, and the words the note already
    has for those it worked on. One query: the note form (and its autosave,
    many times a session) asks this, when the note was not read with them
    (note_goals.note_goal_annotations)."""
    if (read := note_goal_choices_read(note)) is not None:
        return read
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
