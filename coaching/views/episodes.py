"""Episodes of care and outreach on a client's record: the episodes page
(intake, discharge, what happened in each; the client reads their own) and
the outreach page (contact preferences shown before reaching out, an attempt
logged in two taps: a channel, then an outcome)."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_errors, form_saved
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.episodes import EpisodeDischargeForm, EpisodeOpenForm
from coaching.forms.outreach import ContactPreferencesForm, OutreachAttemptForm
from coaching.models import Channel, OutreachAttempt
from coaching.selectors import episodes as episode_selectors
from coaching.selectors import outreach as outreach_selectors
from coaching.services import episodes as episode_services
from coaching.services import outreach as outreach_services

READERS = (Role.CLIENT, Role.COACH, Role.SUPERVISOR)
STAFF = (Role.COACH, Role.SUPERVISOR)

# ---------------------------------------------------------------- episodes


def _episodes_page(request, client, *, status=200, open_form=None, discharge_form=None):
    user = request.user
    data = episode_selectors.episode_page(user, client)
    can_open = user.role == Role.COACH and data["open_episode"] is None
    can_discharge = user.role in STAFF and data["open_episode"] is not None
    today = timezone.localdate()
    if can_open and open_form is None:
        open_form = EpisodeOpenForm(
            sources=episode_selectors.referral_sources(), initial={"intake_date": today}
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
        "client": client,
        "is_client": user.pk == client.pk,
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
    client = get_object_or_404(episode_selectors.episode_clients_visible_to(request.user), pk=pk)
    return _episodes_page(request, client)


@require_POST
@role_required(Role.COACH)
def episode_open(request, pk):
    client = get_object_or_404(episode_selectors.episode_clients_openable_by(request.user), pk=pk)
    form = EpisodeOpenForm(request.POST, sources=episode_selectors.referral_sources())
    opened = partial(episode_services.episode_open, actor=request.user, client=client)
    if form_saved(form, opened):
        messages.success(request, "Episode started.")
        return redirect("coaching:episodes", pk=client.pk)
    return _episodes_page(request, client, status=400, open_form=form)


@require_POST
@role_required(*STAFF)
def episode_discharge(request, pk):
    client = get_object_or_404(
        episode_selectors.episode_clients_dischargeable_by(request.user), pk=pk
    )
    form = EpisodeDischargeForm(request.POST)
    if form.is_valid():
        try:
            episode_services.episode_discharge(
                actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Discharged. The episode stays in the history.")
            return redirect("coaching:episodes", pk=client.pk)
    return _episodes_page(request, client, status=400, discharge_form=form)


# ---------------------------------------------------------------- outreach


def _outreach_page(request, client, *, status=200, attempt_form=None, preferences_form=None):
    user = request.user
    data = outreach_selectors.outreach_page(user, client)
    preferences = data["preferences"]
    can_log = user.role == Role.COACH
    if can_log and attempt_form is None:
        preferred = preferences.preferred_channels if preferences else []
        attempt_form = OutreachAttemptForm(initial={"channel": preferred[0]} if preferred else None)
    if can_log and preferences_form is None:
        initial = {}
        if preferences:
            initial = {
                "preferred_channels": preferences.preferred_channels,
                "ok_to_text": preferences.ok_to_text,
                "ok_to_voicemail": preferences.ok_to_voicemail,
                "ok_to_email": preferences.ok_to_email,
            }
        preferences_form = ContactPreferencesForm(initial=initial)
    labels = dict(Channel.choices)
    context = {
        **data,
        "client": client,
        "preferred": [labels[c] for c in preferences.preferred_channels] if preferences else [],
        "attempt_form": attempt_form if can_log else None,
        "preferences_form": preferences_form if can_log else None,
        "outcomes": OutreachAttempt.Outcome.choices,
        "no_contact_days": settings.OUTREACH_NO_CONTACT_DAYS,
    }
    return render(request, "coaching/episodes/outreach.html", context, status=status)


@require_GET
@role_required(*STAFF)
@deliberate_read
def outreach(request, pk):
    client = get_object_or_404(outreach_selectors.outreach_clients_visible_to(request.user), pk=pk)
    return _outreach_page(request, client)


@require_POST
@role_required(Role.COACH)
def outreach_attempt(request, pk):
    client = get_object_or_404(outreach_selectors.outreach_clients_loggable_by(request.user), pk=pk)
    form = OutreachAttemptForm(request.POST)
    if form.is_valid():
        try:
            attempt = outreach_services.outreach_attempt_log(
                actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            what = f"{attempt.get_channel_display()}, {attempt.get_outcome_display().lower()}"
            messages.success(request, f"Logged: {what}.")
            return redirect("coaching:outreach", pk=client.pk)
    return _outreach_page(request, client, status=400, attempt_form=form)


@require_POST
@role_required(Role.COACH)
def contact_preferences(request, pk):
    client = get_object_or_404(outreach_selectors.outreach_clients_loggable_by(request.user), pk=pk)
    form = ContactPreferencesForm(request.POST)
    if form.is_valid():
        try:
            outreach_services.contact_preferences_set(
                actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact preferences saved.")
            return redirect("coaching:outreach", pk=client.pk)
    return _outreach_page(request, client, status=400, preferences_form=form)
