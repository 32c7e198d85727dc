"""Adding a client who has no app account (accounts/services/
offline_clients.py): a coach to their own caseload."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import form_saved
from accounts.models import Role
from accounts.policy import role_required
from accounts.services.offline_clients import offline_client_add


class OfflineClientForm(forms.Form):
    display_name = forms.CharField(
        label="The name they go by",
        max_length=100,
        error_messages={"required": "Give the name the client goes by."},
    )
    time_zone = forms.ChoiceField(
        label="Their time zone",
        choices=[(zone, zone) for zone in sorted(zoneinfo.available_timezones())],
        initial=settings.TIME_ZONE,
        error_messages={"invalid_choice": "Choose the client's time zone from the list."},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def offline_client_create(request):
    """GET the form; POST adds the client to the coach's caseload."""
    form, status = OfflineClientForm(request.POST or None), 200
    if request.method == "POST":
        added = {}

        def save(**values):
            added["client"] = offline_client_add(actor=request.user, **values)

        if form_saved(form, save):
            messages.success(
                request,
                f"{added['client'].display_name} is on your caseload. They have no login and "
                "get no email: their consents are signed on paper.",
            )
            return redirect(settings.HOME_URL_NAMES[request.user.role])
        status = 400
    return render(request, "accounts/offline_client.html", {"form": form}, status=status)
