"""Agreeing to a recovery plan: the client agrees (plan_confirm), their coach
signs (plan_sign); when both have, what the draft says is copied into the
agreed version (AgreedGoal, AgreedStep) and the version is closed.

Each signature is bound to what its signer read. The page's agree and sign
forms carry the draft's revision (plan_revision: a SHA-256 of everything the
agreed copy keeps: each goal's life area by name, words and why, each
step's action, who takes it, whose idea it was and its date); the service
computes it again under the plan's row lock, from the rows it would copy,
and refuses a signature made on another ("The plan changed: read it
again."). A digest, not a counter: it needs no column, and it changes with
anything the agreed copy would hold, whoever changed it and however (an
admin renaming a life area included), while progress on a step (not part
of the agreement) leaves it as it was.

Who may sign comes from accounts/policy/plans.py through plan_for_change:
only the client agrees (plan_agreer_scope); only their coach signs
(plan_signer_scope).
"""

import hashlib
import json
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy import plan_agreer_scope, plan_signer_scope
from coaching.models import AgreedGoal, AgreedStep, Goal, Plan, PlanChange, PlanVersion
from coaching.selectors.plans import plan_for_change
from coaching.services.figures import plan_figures_agreed

# In English here (tests and callers match on them); translated when raised.
AGREED = gettext_noop(
    "This version of the plan is agreed and can no longer be changed. "
    "Change a goal or a step to start a new draft."
)
ONLY_THE_CLIENT = gettext_noop("Only the person whose plan it is can agree to it.")
ONLY_THE_COACH = gettext_noop("Only the client's coach can sign their plan.")
CHANGED = gettext_noop("The plan changed: read it again.")


def plan_revision(goals: Iterable[Goal]) -> str:
    """The revision of a draft whose goals are `goals` (each with its area
    and its steps loaded: no query): a hex SHA-256 of what agreeing to it
    would copy, in a fixed order whatever order they came in."""
    content = [
        [
            goal.pk,
            goal.area.name,
            goal.words,
            goal.why,
            sorted(
                [
                    step.pk,
                    step.action,
                    step.who,
                    step.suggested_by,
                    step.target_date.isoformat() if step.target_date else None,
                ]
                for step in goal.steps.all()
            ),
        ]
        for goal in goals
    ]
    content.sort(key=lambda goal: goal[0])
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def _signable(
    actor: User, version: PlanVersion, scope, refusal: str, revision: str | None
) -> tuple[Plan, PlanVersion, list[Goal]]:
    """The plan (locked), the version as it is now and the draft's goals,
    if `actor` may sign within `scope` and the draft is what they read
    (`revision`; None: a caller acting on the draft as it is now, never a
    page's form)."""
    try:
        plan = plan_for_change(actor, version.plan_id, scope=scope)
    except PermissionDenied:
        raise ValidationError(_(refusal)) from None
    version = PlanVersion.objects.get(pk=version.pk)
    if version.is_agreed:
        raise ValidationError(_(AGREED))
    # Read under the plan's lock (every change to a goal or step takes it
    # first): what is checked here is what _agree copies.
    goals = list(plan.goals.select_related("area").prefetch_related("steps"))
    if not goals:
        raise ValidationError(_("Add at least one goal before agreeing to the plan."))
    if revision is not None and revision != plan_revision(goals):
        raise ValidationError(_(CHANGED))
    return plan, version, goals


def _agree(version: PlanVersion, goals: list[Goal], at) -> None:
    """Both have signed: copy what they agreed to, then close the version
    (from here on the trigger keeps it as it is)."""
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
    plan_figures_agreed(plan_id=version.plan_id, at=at)
    version.agreed_at = at


def _same_name(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


@transaction.atomic
def plan_confirm(
    *,
    actor: User,
    version: PlanVersion,
    typed_name: str,
    confirmed: bool,
    revision: str | None = None,
) -> PlanVersion:
    """The client agrees to a version: their name, typed, and a tick, on
    the draft they read (`revision`, from the page: see plan_revision)."""
    plan, version, goals = _signable(actor, version, plan_agreer_scope, ONLY_THE_CLIENT, revision)
    if version.client_confirmed_at:
        raise ValidationError(_("You have already agreed to this version."))
    if not confirmed:
        raise ValidationError({"confirmed": _("Tick the box to say you agree to this plan.")})
    if not _same_name(typed_name or "", actor.display_name):
        raise ValidationError(
            {
                "typed_name": _("Type your name as it is on your account: {name}.").format(
                    name=actor.display_name
                )
            }
        )
    now = timezone.now()
    version.client_name = " ".join(typed_name.split())
    version.client_confirmed_at = now
    PlanVersion.objects.filter(pk=version.pk, agreed_at__isnull=True).update(
        client_name=version.client_name, client_confirmed_at=now
    )
    if version.coach_signed_at:
        _agree(version, goals, now)
    _record(plan, actor, PlanChange.What.CONFIRMED, version)
    audit_record(actor=actor, action="plan.confirm", obj=version, client=plan.client)
    return version


@transaction.atomic
def plan_sign(*, actor: User, version: PlanVersion, revision: str | None = None) -> PlanVersion:
    """The client's coach signs a version: the draft they read
    (`revision`, from the page: see plan_revision)."""
    plan, version, goals = _signable(actor, version, plan_signer_scope, ONLY_THE_COACH, revision)
    if version.coach_signed_at:
        raise ValidationError(_("This version is already signed."))
    now = timezone.now()
    version.coach_signed_by, version.coach_signed_at = actor, now
    PlanVersion.objects.filter(pk=version.pk, agreed_at__isnull=True).update(
        coach_signed_by=actor, coach_signed_at=now
    )
    if version.client_confirmed_at:
        _agree(version, goals, now)
    _record(plan, actor, PlanChange.What.SIGNED, version)
    audit_record(actor=actor, action="plan.sign", obj=version, client=plan.client)
    return version


def _record(plan: Plan, actor: User, what: str, version: PlanVersion) -> None:
    PlanChange.objects.create(plan=plan, actor=actor, what=what, version=version, fields=[])
