"""Episodes of care on a client's record: the episodes page (intake,
discharge, what happened in each; the client reads their own)."""

from functools import partial

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import form_saved
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.episodes import EpisodeBillingForm, EpisodeDischargeForm, EpisodeOpenForm
from coaching.selectors import episodes as selectors
from coaching.services import episodes as services

READERS = (Role.CLIENT, Role.COACH, Role.SUPERVISOR)
STAFF = (Role.COACH, Role.SUPERVISOR)


def _episodes_page(request, pk, *, status=200, open_form=None, discharge_form=None):
    user = request.user
    data = selectors.episode_for_viewing(user, pk)
    client = data["client"]
    permissions = selectors.permissions_for(user, client, data)
    can_open, can_discharge = permissions.can_open, permissions.can_discharge
    today = timezone.localdate()
    if can_open and open_form is None:
        open_form = EpisodeOpenForm(
            sources=selectors.referral_sources(), initial={"intake_date": today}
        )
    if can_discharge and discharge_form is None:
        discharge_form = EpisodeDischargeForm(initial={"discharge_date": today})
    # A stale form (another episode opened or discharged meanwhile) is not
    # shown again: its refusal is said above the page.
    for form, shown in ((open_form, can_open), (discharge_form, can_discharge)):
        if form is not None and form.is_bound and not shown:
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    context = {
        **data,
        "is_client": user.pk == client.pk,
        "permissions": permissions,
        "open_form": open_form if can_open else None,
        "discharge_form": discharge_form if can_discharge else None,
    }
    return render(request, "coaching/episodes/list.html", context, status=status)


@require_GET
@role_required(Role.CLIENT)
def my_episodes(request):
    return redirect("coaching:episodes", pk=request.user.pk)


@require_GET
@role_required(*READERS)
@deliberate_read
def episodes(request, pk):
    return _episodes_page(request, pk)


@require_POST
@role_required(Role.COACH)
def episode_open(request, pk):
    client = get_object_or_404(selectors.episode_clients_openable_by(request.user), pk=pk)
    form = EpisodeOpenForm(request.POST, sources=selectors.referral_sources())
    opened = partial(services.episode_open, actor=request.user, client=client)
    if form_saved(form, opened):
        messages.success(request, "Episode started.")
        return redirect("coaching:episodes", pk=client.pk)
    return _episodes_page(request, client.pk, status=400, open_form=form)


@require_POST
@role_required(*STAFF)
def episode_discharge(request, pk):
    client = get_object_or_404(selectors.episode_clients_dischargeable_by(request.user), pk=pk)
    form = EpisodeDischargeForm(request.POST)
    discharged = partial(services.episode_discharge, actor=request.user, client=client)
    if form_saved(form, discharged):
        messages.success(request, "Discharged. The episode stays in the history.")
        return redirect("coaching:episodes", pk=client.pk)
    return _episodes_page(request, client.pk, status=400, discharge_form=form)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
@deliberate_read
def episode_billing(request, pk):
    """An episode's diagnosis and prior authorisation, for the staff who bill."""
    episode = selectors.episode_billing_for_viewing(request.user, pk)
    if request.method == "POST":
        form = EpisodeBillingForm(request.POST)
        saved = partial(services.episode_billing_set, actor=request.user, episode=episode)
        if form_saved(form, saved):
            messages.success(request, "The episode's billing details are saved.")
            return redirect("coaching:episode_billing", pk=episode.pk)
        status = 400
    else:
        initial = {
            "diagnosis_code": episode.diagnosis_code,
            "prior_authorization": episode.prior_authorization,
        }
        form, status = EpisodeBillingForm(initial=initial), 200
    context = {"episode": episode, "form": form}
    return render(request, "coaching/episodes/billing.html", context, status=status)
