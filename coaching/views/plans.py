"""The recovery plan: the client's own (on a phone, mostly), their coach's
(edits it with them and signs it) and their supervisor's (reads it and
reviews it); its history, a printable page, and the list of plans due for
review or not yet agreed."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.plans import (
    GoalForm,
    PlanConfirmForm,
    StepChangeForm,
    StepForm,
    StepProgressForm,
)
from coaching.selectors import plans as selectors
from coaching.services import plans as services
from coaching.services.plan_signatures import plan_revision

READERS = (Role.CLIENT, Role.COACH, Role.SUPERVISOR)
EDITORS = (Role.CLIENT, Role.COACH)


def _plan_url(client_id: int, anchor: str = "") -> str:
    url = reverse("coaching:plan", args=[client_id])
    return f"{url}#{anchor}" if anchor else url


def _step_form(request, client, data=None):
    goals = selectors.goals_editable_by(request.user).filter(plan__client=client)
    initial = {}
    if request.GET.get("goal", "").isdigit():
        initial["goal"] = int(request.GET["goal"])
    return StepForm(data, goals=goals, actor=request.user, initial=initial)


def _page(request, pk, *, status=200, **forms):
    user = request.user
    data = selectors.plan_for_viewing(user, pk)
    client = data["client"]
    permissions = selectors.permissions_for(user, client, data)
    can_edit = permissions.can_edit
    context = {
        **data,
        "is_client": user.pk == client.pk,
        "permissions": permissions,
        "can_edit": can_edit,
        "can_confirm": permissions.can_confirm,
        "can_sign": permissions.can_sign,
        # What the agree and sign forms post: the draft as this page shows it.
        "revision": plan_revision(data["goals"]) if data["draft"] else "",
        "goal_form": forms.get("goal_form")
        or (GoalForm(areas=selectors.life_areas()) if can_edit else None),
        "step_form": forms.get("step_form")
        or (_step_form(request, client) if can_edit and data["goals"] else None),
        "confirm_form": forms.get("confirm_form") or PlanConfirmForm(),
        "states": StepProgressForm.base_fields["state"].choices,
        "who_choices": StepChangeForm.base_fields["who"].choices,
        "areas": list(selectors.life_areas()) if can_edit and data["goals"] else [],
    }
    return render(request, "coaching/plan/detail.html", context, status=status)


@require_GET
@role_required(Role.CLIENT)
def my_plan(request):
    return redirect("coaching:plan", pk=request.user.pk)


@require_GET
@role_required(*READERS)
@deliberate_read
def plan(request, pk):
    return _page(request, pk)


@require_GET
@role_required(*READERS)
@deliberate_read
def plan_history(request, pk):
    context = selectors.plan_history(request.user, pk)
    return render(request, "coaching/plan/history.html", context)


@require_GET
@role_required(*READERS)
@deliberate_read
def plan_print(request, pk):
    context = selectors.plan_for_viewing(request.user, pk, action="plan.print")
    return render(request, "coaching/plan/print.html", context)


def _submit(request, client, form, form_name, action, success, anchor=""):
    """Valid input goes to the service; its refusal shows on the form (400)."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_plan_url(client.pk, anchor.format(result.pk) if anchor else ""))
    return _page(request, client.pk, status=400, **{form_name: form})


@require_POST
@role_required(*EDITORS)
def goal_add(request, pk):
    client = selectors.plan_client(request.user, pk)
    return _submit(
        request,
        client,
        GoalForm(request.POST, areas=selectors.life_areas()),
        "goal_form",
        lambda data: services.goal_add(actor=request.user, client=client, **data),
        _("Goal added."),
        "goal-{}",
    )


@require_POST
@role_required(*EDITORS)
def step_add(request, pk):
    client = selectors.plan_client(request.user, pk)
    return _submit(
        request,
        client,
        _step_form(request, client, request.POST),
        "step_form",
        lambda data: services.step_add(actor=request.user, **data),
        _("Step added."),
        "step-{}",
    )


def _act(request, form, action, success: str, client_id: int, anchor: str):
    """A small form on one goal or step: say what happened, or why not."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
    else:
        messages.error(
            request, " ".join(message for errors in form.errors.values() for message in errors)
        )
    return redirect(_plan_url(client_id, anchor))


@require_POST
@role_required(*EDITORS)
def goal_change(request, pk):
    goal = get_object_or_404(selectors.goals_editable_by(request.user), pk=pk)
    return _act(
        request,
        GoalForm(request.POST, areas=selectors.life_areas()),
        lambda data: services.goal_change(actor=request.user, goal=goal, **data),
        _("Goal changed."),
        goal.plan.client_id,
        f"goal-{goal.pk}",
    )


@require_POST
@role_required(*EDITORS)
def step_change(request, pk):
    step = get_object_or_404(selectors.steps_editable_by(request.user), pk=pk)
    return _act(
        request,
        StepChangeForm(request.POST),
        lambda data: services.step_change(actor=request.user, step=step, **data),
        _("Step changed."),
        step.goal.plan.client_id,
        f"step-{step.pk}",
    )


@require_POST
@role_required(*EDITORS)
def step_progress(request, pk):
    step = get_object_or_404(selectors.steps_editable_by(request.user), pk=pk)
    return _act(
        request,
        StepProgressForm(request.POST),
        lambda data: services.step_progress(actor=request.user, step=step, **data),
        _("Saved. Thank you for saying how it is going."),
        step.goal.plan.client_id,
        f"step-{step.pk}",
    )


@require_POST
@role_required(Role.CLIENT)
def plan_confirm(request, pk):
    version = get_object_or_404(selectors.plan_versions_visible_to(request.user), pk=pk)
    client = selectors.plan_client(request.user, version.plan.client_id)
    form = PlanConfirmForm(request.POST)
    if form.is_valid():
        try:
            version = services.plan_confirm(
                actor=request.user,
                version=version,
                revision=request.POST.get("revision", ""),
                **form.cleaned_data,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # About the version (agreed, changed since the page was
                # read), not what was typed: say it at the top of the plan
                # as it is now.
                messages.error(request, " ".join(error.messages))
                return redirect(_plan_url(client.pk, "agreement"))
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you: you agreed to your plan. It is agreed.")
                if version.is_agreed
                else _("Thank you: you agreed to your plan. It is waiting for your coach to sign."),
            )
            return redirect(_plan_url(client.pk, "agreement"))
    return _page(request, client.pk, status=400, confirm_form=form)


@require_POST
@role_required(Role.COACH)
def plan_sign(request, pk):
    version = get_object_or_404(selectors.plan_versions_visible_to(request.user), pk=pk)
    try:
        version = services.plan_sign(
            actor=request.user, version=version, revision=request.POST.get("revision", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Plan signed. It is agreed.")
            if version.is_agreed
            else _("Plan signed. It is agreed once the client agrees too."),
        )
    return redirect(_plan_url(version.plan.client_id, "agreement"))


@require_GET
@role_required(Role.COACH, Role.SUPERVISOR)
@deliberate_read
def plans_due(request):
    """Plans due for review, and clients without an agreed plan in time: a
    coach's caseload, a supervisor's team."""
    status, query, coach_id = 200, "", None
    # The team dashboard links each coach's figures here: ?coach=<id>.
    coach = request.GET.get("coach")
    if coach is not None:
        if coach.isdigit():
            coach_id, query = int(coach), f"coach={coach}"
        else:
            messages.error(request, _("That coach is not one we know; the list shows everyone."))
            status, coach = 400, None
    page = selectors.plans_due_for_viewing(
        request.user, coach_id=coach_id, page=request.GET.get("page")
    )
    context = {
        "page": page,
        "query": query,
        "one_coach": coach is not None,
        "shows_coach": selectors.plans_due_shows_coach(request.user),
        "review_days": settings.PLAN_REVIEW_DAYS,
        "agree_days": settings.PLAN_AGREE_WITHIN_DAYS,
    }
    return render(request, "coaching/plan/due.html", context, status=status)
