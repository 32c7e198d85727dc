"""Outreach on a client's record: the outreach page (contact preferences
shown before reaching out, an attempt logged in two taps: a channel, then an
outcome) and its two forms."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_errors, form_saved
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.outreach import ContactPreferencesForm, OutreachAttemptForm
from coaching.models import Channel, OutreachAttempt
from coaching.selectors import outreach as selectors
from coaching.services import outreach as services

STAFF = (Role.COACH, Role.SUPERVISOR)


def _outreach_page(request, pk, *, status=200, attempt_form=None, preferences_form=None):
    user = request.user
    data = selectors.outreach_for_viewing(user, pk)
    preferences = data["preferences"]
    permissions = selectors.permissions_for(user, data["client"])
    can_log = permissions.can_log
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
        "permissions": permissions,
        "preferred": [labels[c] for c in preferences.preferred_channels] if preferences else [],
        "attempt_form": attempt_form if can_log else None,
        "preferences_form": preferences_form if can_log else None,
        "outcomes": OutreachAttempt.Outcome.choices,
        "no_contact_days": settings.OUTREACH_NO_CONTACT_DAYS,
    }
    return render(request, "coaching/outreach/page.html", context, status=status)


@require_GET
@role_required(*STAFF)
@deliberate_read
def outreach(request, pk):
    return _outreach_page(request, pk)


@require_POST
@role_required(Role.COACH)
def outreach_attempt(request, pk):
    client = get_object_or_404(selectors.outreach_clients_loggable_by(request.user), pk=pk)
    form = OutreachAttemptForm(request.POST)
    if form.is_valid():
        try:
            attempt = services.outreach_attempt_log(
                actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            what = f"{attempt.get_channel_display()}, {attempt.get_outcome_display().lower()}"
            messages.success(request, f"Logged: {what}.")
            return redirect("coaching:outreach", pk=client.pk)
    return _outreach_page(request, client.pk, status=400, attempt_form=form)


@require_POST
@role_required(Role.COACH)
def contact_preferences(request, pk):
    client = get_object_or_404(selectors.outreach_clients_loggable_by(request.user), pk=pk)
    form = ContactPreferencesForm(request.POST)
    saved = partial(services.contact_preferences_set, actor=request.user, client=client)
    if form_saved(form, saved):
        messages.success(request, "Contact preferences saved.")
        return redirect("coaching:outreach", pk=client.pk)
    return _outreach_page(request, client.pk, status=400, preferences_form=form)
