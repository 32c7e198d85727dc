"""Writes to a client's recovery plan (coaching/models/plans.py). Each runs in
a transaction that locks the plan's row first (one change to a plan at a
time: a signature and an edit cannot cross), and is audited.

Who may write comes from accounts/policy/plans.py, through
coaching.selectors.plans.plan_for_change (the acting scope, the plan's row
locked): the client and their coach now edit (plan_editor_scope); only the
client agrees (plan_agreer_scope); only their coach signs
(plan_signer_scope). A change to a goal or a step is made
in the open draft version (opened if the last one was agreed) and clears the
draft's signatures; progress on a step does neither.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, User
from accounts.policy import plan_agreer_scope, plan_signer_scope
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
from coaching.selectors.plans import plan_client_for_change, plan_for_change
from common.dates import local_today
from sessions_log.models import Note

AGREED = (
    "This version of the plan is agreed and can no longer be changed. "
    "Change a goal or a step to start a new draft."
)
ONLY_THE_CLIENT = "Only the person whose plan it is can agree to it."
ONLY_THE_COACH = "Only the client's coach can sign their plan."


# ----------------------------------------------------------------- helpers


def _open_draft(plan: Plan, actor: User) -> PlanVersion:
    """The plan's open draft; a new one when the last version was agreed."""
    draft = plan.versions.filter(agreed_at__isnull=True).first()
    if draft is None:
        newest = plan.versions.aggregate(number=Max("number"))["number"] or 0
        draft = PlanVersion.objects.create(plan=plan, number=newest + 1, created_by=actor)
    return draft


def _content_changed(plan: Plan, actor: User) -> PlanVersion:
    """A goal or step is about to change: in the open draft, whose
    signatures no longer hold (they were for what it said before)."""
    draft = _open_draft(plan, actor)
    if draft.client_confirmed_at or draft.coach_signed_at:
        PlanVersion.objects.filter(pk=draft.pk, agreed_at__isnull=True).update(
            client_name="", client_confirmed_at=None, coach_signed_by=None, coach_signed_at=None
        )
    return draft


def _record(plan, actor, what, *, goal=None, step=None, version=None, fields=()) -> None:
    PlanChange.objects.create(
        plan=plan,
        actor=actor,
        what=what,
        goal=goal,
        step=step,
        version=version,
        fields=list(fields),
    )


def _text(value: str, *, field: str, required: str = "", max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > max_length:
        raise ValidationError({field: f"Keep it to {max_length} characters."})
    return value


def _area(area) -> LifeArea:
    if not isinstance(area, LifeArea) or not area.active:
        raise ValidationError({"area": "Choose a life area from the list."})
    return area


def _goal_fields(*, area, words, why) -> dict:
    return {
        "area": _area(area),
        "words": _text(
            words, field="words", required="Write the goal in your own words.", max_length=300
        ),
        "why": _text(why, field="why", max_length=1000),
    }


def _step_fields(*, actor, action, who, target_date, old_target=None) -> dict:
    if who not in Step.Who.values:
        raise ValidationError({"who": "Choose who takes this step."})
    # A date already set may stay as it is; a new one is today or later.
    if target_date and target_date != old_target and target_date < local_today(actor):
        raise ValidationError({"target_date": "Choose today or a later date to try it by."})
    return {
        "action": _text(action, field="action", required="Write the step.", max_length=300),
        "who": who,
        "target_date": target_date or None,
    }


# ------------------------------------------------------------ goals, steps


@transaction.atomic
def plan_open(*, actor: User, client: User) -> Plan:
    """The client's plan, started the first time someone writes in it,
    with its first draft version. Returned locked."""
    client = plan_client_for_change(actor, client.pk)
    plan = Plan.objects.filter(client=client).first()
    if plan is None:
        try:
            with transaction.atomic():
                plan = Plan.objects.create(client=client, created_by=actor)
                PlanVersion.objects.create(plan=plan, number=1, created_by=actor)
        except IntegrityError:  # someone else started it a moment ago
            plan = Plan.objects.get(client=client)
        else:
            audit_record(actor=actor, action="plan.create", obj=plan, client=client)
    return plan_for_change(actor, plan.pk)


@transaction.atomic
def goal_add(*, actor: User, client: User, area, words: str, why: str = "") -> Goal:
    values = _goal_fields(area=area, words=words, why=why)
    plan = plan_open(actor=actor, client=client)
    draft = _content_changed(plan, actor)
    goal = Goal.objects.create(plan=plan, created_by=actor, updated_by=actor, **values)
    _record(plan, actor, PlanChange.What.GOAL_ADDED, goal=goal, version=draft)
    audit_record(actor=actor, action="plan.goal_add", obj=goal, client=plan.client)
    return goal


@transaction.atomic
def goal_change(*, actor: User, goal: Goal, area, words: str, why: str = "") -> Goal:
    values = _goal_fields(area=area, words=words, why=why)
    plan = plan_for_change(actor, goal.plan_id)
    goal = Goal.objects.get(pk=goal.pk)
    changed = [name for name, value in values.items() if getattr(goal, name) != value]
    if not changed:
        return goal
    draft = _content_changed(plan, actor)
    for name, value in values.items():
        setattr(goal, name, value)
    goal.updated_by, goal.updated_at = actor, timezone.now()
    goal.save()
    _record(plan, actor, PlanChange.What.GOAL_CHANGED, goal=goal, version=draft, fields=changed)
    audit_record(actor=actor, action="plan.goal_change", obj=goal, client=plan.client)
    return goal


@transaction.atomic
def step_add(
    *,
    actor: User,
    goal: Goal | None,
    action: str,
    who: str,
    suggested_by: str,
    target_date: date | None = None,
) -> Step:
    if goal is None:
        raise ValidationError({"goal": "Choose the goal this step is for."})
    if suggested_by not in Step.SuggestedBy.values:
        raise ValidationError({"suggested_by": "Say whose idea this step was."})
    values = _step_fields(actor=actor, action=action, who=who, target_date=target_date)
    plan = plan_for_change(actor, goal.plan_id)
    draft = _content_changed(plan, actor)
    # Whose suggestion it counts as: the client's coach now (the actor, when
    # their coach writes it).
    coach_id = (
        CaseloadAssignment.objects.filter(client=plan.client, ended_at__isnull=True)
        .values_list("coach_id", flat=True)
        .first()
    )
    step = Step.objects.create(
        goal=goal,
        suggested_by=suggested_by,
        coach_id=coach_id,
        created_by=actor,
        updated_by=actor,
        **values,
    )
    _record(plan, actor, PlanChange.What.STEP_ADDED, goal=goal, step=step, version=draft)
    audit_record(actor=actor, action="plan.step_add", obj=step, client=plan.client)
    return step


@transaction.atomic
def step_change(
    *, actor: User, step: Step, action: str, who: str, target_date: date | None = None
) -> Step:
    plan = plan_for_change(actor, step.goal.plan_id)
    step = Step.objects.get(pk=step.pk)
    values = _step_fields(
        actor=actor, action=action, who=who, target_date=target_date, old_target=step.target_date
    )
    changed = [name for name, value in values.items() if getattr(step, name) != value]
    if not changed:
        return step
    draft = _content_changed(plan, actor)
    for name, value in values.items():
        setattr(step, name, value)
    step.updated_by, step.updated_at = actor, timezone.now()
    step.save()
    _record(
        plan,
        actor,
        PlanChange.What.STEP_CHANGED,
        goal=step.goal,
        step=step,
        version=draft,
        fields=changed,
    )
    audit_record(actor=actor, action="plan.step_change", obj=step, client=plan.client)
    return step


@transaction.atomic
def step_progress(*, actor: User, step: Step, state: str, how_it_went: str = "") -> Step:
    """How a step is going: not a change to what was agreed."""
    if state not in Step.State.values:
        raise ValidationError({"state": "Choose how the step is going."})
    how_it_went = _text(how_it_went, field="how_it_went", max_length=500)
    plan = plan_for_change(actor, step.goal.plan_id)
    now = timezone.now()
    Step.objects.filter(pk=step.pk).update(
        state=state, how_it_went=how_it_went, state_changed_by=actor, state_changed_at=now
    )
    step.state, step.how_it_went = state, how_it_went
    step.state_changed_by, step.state_changed_at = actor, now
    _record(plan, actor, PlanChange.What.STEP_PROGRESS, goal=step.goal, step=step, fields=[state])
    audit_record(actor=actor, action="plan.step_progress", obj=step, client=plan.client)
    return step


# --------------------------------------------------------------- agreement


def _signable(actor: User, version: PlanVersion, scope, refusal: str) -> tuple[Plan, PlanVersion]:
    try:
        plan = plan_for_change(actor, version.plan_id, scope=scope)
    except PermissionDenied:
        raise ValidationError(refusal) from None
    version = PlanVersion.objects.get(pk=version.pk)
    if version.is_agreed:
        raise ValidationError(AGREED)
    if not plan.goals.exists():
        raise ValidationError("Add at least one goal before agreeing to the plan.")
    return plan, version


def _agree(plan: Plan, version: PlanVersion, at) -> None:
    """Both have signed: copy what they agreed to, then close the version
    (from here on the trigger keeps it as it is)."""
    goals = list(plan.goals.select_related("area").prefetch_related("steps"))
    agreed = AgreedGoal.objects.bulk_create(
        [
            AgreedGoal(
                version=version, goal=goal, area=goal.area.name, words=goal.words, why=goal.why
            )
            for goal in goals
        ]
    )
    AgreedStep.objects.bulk_create(
        [
            AgreedStep(
                agreed_goal=agreed_goal,
                step=step,
                action=step.action,
                who=step.who,
                suggested_by=step.suggested_by,
                target_date=step.target_date,
            )
            for agreed_goal, goal in zip(agreed, goals, strict=True)
            for step in goal.steps.all()
        ]
    )
    PlanVersion.objects.filter(pk=version.pk, agreed_at__isnull=True).update(agreed_at=at)
    Plan.objects.filter(pk=version.plan_id).update(last_agreed_at=at)
    version.agreed_at = at


def _same_name(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


@transaction.atomic
def plan_confirm(
    *, actor: User, version: PlanVersion, typed_name: str, confirmed: bool
) -> PlanVersion:
    """The client agrees to a version: their name, typed, and a tick."""
    plan, version = _signable(actor, version, plan_agreer_scope, ONLY_THE_CLIENT)
    if version.client_confirmed_at:
        raise ValidationError("You have already agreed to this version.")
    if not confirmed:
        raise ValidationError({"confirmed": "Tick the box to say you agree to this plan."})
    if not _same_name(typed_name or "", actor.display_name):
        raise ValidationError(
            {"typed_name": f"Type your name as it is on your account: {actor.display_name}."}
        )
    now = timezone.now()
    version.client_name = " ".join(typed_name.split())
    version.client_confirmed_at = now
    PlanVersion.objects.filter(pk=version.pk, agreed_at__isnull=True).update(
        client_name=version.client_name, client_confirmed_at=now
    )
    if version.coach_signed_at:
        _agree(plan, version, now)
    _record(plan, actor, PlanChange.What.CONFIRMED, version=version)
    audit_record(actor=actor, action="plan.confirm", obj=version, client=plan.client)
    return version


@transaction.atomic
def plan_sign(*, actor: User, version: PlanVersion) -> PlanVersion:
    """The client's coach signs a version."""
    plan, version = _signable(actor, version, plan_signer_scope, ONLY_THE_COACH)
    if version.coach_signed_at:
        raise ValidationError("This version is already signed.")
    now = timezone.now()
    version.coach_signed_by, version.coach_signed_at = actor, now
    PlanVersion.objects.filter(pk=version.pk, agreed_at__isnull=True).update(
        coach_signed_by=actor, coach_signed_at=now
    )
    if version.client_confirmed_at:
        _agree(plan, version, now)
    _record(plan, actor, PlanChange.What.SIGNED, version=version)
    audit_record(actor=actor, action="plan.sign", obj=version, client=plan.client)
    return version


# ------------------------------------------------------------- notes' goals


def note_goals_set(*, actor: User, note: Note, goals: dict[int, str]) -> None:
    """Which goals of the client's plan a draft note worked on, each with
    optional words (`goals`: goal id -> words). Called through
    sessions_log's hook inside the transaction that saves the draft (which
    checks the actor and that the note is still a draft, and audits it);
    only goals of the note's client's plan count."""
    words = {pk: _text(text, field="plan_goals", max_length=300) for pk, text in goals.items()}
    kept = set(
        Goal.objects.filter(plan__client_id=note.session.client_id, pk__in=words).values_list(
            "pk", flat=True
        )
    )
    NoteGoal.objects.filter(note=note).exclude(goal_id__in=kept).delete()
    existing = {link.goal_id: link for link in NoteGoal.objects.filter(note=note)}
    for goal_id in sorted(kept):
        link = existing.get(goal_id)
        if link is None:
            NoteGoal.objects.create(note=note, goal_id=goal_id, words=words[goal_id])
        elif link.words != words[goal_id]:
            NoteGoal.objects.filter(pk=link.pk).update(words=words[goal_id])
