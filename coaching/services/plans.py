"""Writes to a client's recovery plan (coaching/models/plans.py). Each runs in
a transaction that locks the plan's row first (one change to a plan at a
time: a signature and an edit cannot cross), and is audited.

Who may write comes from accounts/policy/plans.py, through
coaching.selectors.plans.plan_for_change (the acting scope, the plan's row
locked): the client and their coach now edit (plan_editor_scope). Agreeing
and signing (each bound to the draft its signer read) are in
plan_signatures.py. A change to a goal or a step is made
in the open draft version (opened if the last one was agreed) and clears the
draft's signatures; progress on a step does neither.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, User
from coaching.models import (
    Goal,
    LifeArea,
    NoteGoal,
    Plan,
    PlanChange,
    PlanVersion,
    Step,
)
from coaching.selectors.plans import note_goal_choices, plan_client_for_change, plan_for_change

# Agreeing and signing, each bound to the draft its signer read, live in
# coaching/services/plan_signatures.py; callers find them here too.
from coaching.services.plan_signatures import AGREED as AGREED
from coaching.services.plan_signatures import CHANGED as CHANGED
from coaching.services.plan_signatures import ONLY_THE_CLIENT as ONLY_THE_CLIENT
from coaching.services.plan_signatures import ONLY_THE_COACH as ONLY_THE_COACH
from coaching.services.plan_signatures import plan_confirm as plan_confirm
from coaching.services.plan_signatures import plan_sign as plan_sign
from common.dates import local_today
from sessions_log.models import Note

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
        raise ValidationError({field: _("Keep it to {count} characters.").format(count=max_length)})
    return value


def _area(area) -> LifeArea:
    if not isinstance(area, LifeArea) or not area.active:
        raise ValidationError({"area": _("Choose a life area from the list.")})
    return area


def _goal_fields(*, area, words, why) -> dict:
    return {
        "area": _area(area),
        "words": _text(
            words, field="words", required=_("Write the goal in your own words."), max_length=300
        ),
        "why": _text(why, field="why", max_length=1000),
    }


def _step_fields(*, actor, action, who, target_date, old_target=None) -> dict:
    if who not in Step.Who.values:
        raise ValidationError({"who": _("Choose who takes this step.")})
    # A date already set may stay as it is; a new one is today or later.
    if target_date and target_date != old_target and target_date < local_today(actor):
        raise ValidationError({"target_date": _("Choose today or a later date to try it by.")})
    return {
        "action": _text(action, field="action", required=_("Write the step."), max_length=300),
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
        raise ValidationError({"goal": _("Choose the goal this step is for.")})
    if suggested_by not in Step.SuggestedBy.values:
        raise ValidationError({"suggested_by": _("Say whose idea this step was.")})
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
        raise ValidationError({"state": _("Choose how the step is going.")})
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


# ------------------------------------------------------------- notes' goals


# The links removed and the new or changed ones written, in one statement.
_NOTE_GOALS_WRITE_SQL = """
WITH gone AS (
    DELETE FROM coaching_notegoal
    WHERE note_id = %(note)s AND goal_id = ANY(%(gone)s::bigint[])
)
INSERT INTO coaching_notegoal (note_id, goal_id, words)
SELECT %(note)s, u.goal_id, u.words
FROM unnest(%(goals)s::bigint[], %(words)s::text[]) AS u(goal_id, words)
ON CONFLICT (note_id, goal_id) DO UPDATE SET words = EXCLUDED.words
"""


def note_goals_set(*, actor: User, note: Note, goals: dict[int, str]) -> None:
    """Which goals of the client's plan a draft note worked on, each with
    optional words (`goals`: goal id -> words). Called through
    sessions_log's hook inside the transaction that saves the draft (which
    checks the actor and that the note is still a draft, and audits it);
    only goals of the note's client's plan count. What the note had comes
    with the note when the autosave read them together (note_goal_choices),
    and nothing is written when nothing changed (the autosave runs every
    few seconds); else one statement, whatever the number of goals."""
    words = {pk: _text(text, field="plan_goals", max_length=300) for pk, text in goals.items()}
    offered, existing = note_goal_choices(note)
    kept = {goal.pk for goal in offered} & set(words)
    gone = sorted(set(existing) - kept)
    changed = [goal_id for goal_id in sorted(kept) if existing.get(goal_id) != words[goal_id]]
    if not gone and not changed:
        return
    field = NoteGoal._meta.get_field("words")
    with connection.cursor() as cursor:
        cursor.execute(
            _NOTE_GOALS_WRITE_SQL,
            {
                "note": note.pk,
                "gone": gone,
                "goals": changed,
                "words": [field.get_prep_value(words[goal_id]) for goal_id in changed],
            },
        )
