"""Calendar downloads: one session as .ics, and each person's private feed."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from common.downloads import attachment
from sessions_log.calendar import calendar
from sessions_log.selectors.calendar import (
    calendar_feed_for_viewing,
    calendar_session_for_viewing,
    has_calendar_feed,
)
from sessions_log.services import calendar as services

PEOPLE = (Role.CLIENT, Role.COACH)


def _ics(body: str, filename: str) -> HttpResponse:
    return attachment(body, filename=filename, content_type="text/calendar; charset=utf-8")


@require_GET
@role_required(*PEOPLE)
@deliberate_read
def session_ics(request, pk):
    session = calendar_session_for_viewing(request.user, pk)
    return _ics(calendar([session], request.user), "appointment.ics")


@require_GET
def feed(request, token):
    """The private feed URL: the token alone is the credential, so it shows
    only privacy-safe calendar entries and nothing else (each reading is
    audited in the owner's name: calendar_feed_for_viewing)."""
    owner, sessions = calendar_feed_for_viewing(token)
    return _ics(calendar(sessions, owner), "appointments.ics")


@require_http_methods(["GET", "POST"])
@role_required(*PEOPLE)
def feed_settings(request):
    token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(actor=request.user)
            messages.success(request, _("Your calendar link no longer works."))
            return redirect("sessions_log:feed_settings")
        token = services.calendar_feed_renew(actor=request.user)
    context = {
        "has_feed": has_calendar_feed(request.user),
        "feed_url": request.build_absolute_uri(reverse("sessions_log:feed", args=[token]))
        if token
        else None,
    }
    return render(request, "sessions_log/feed_settings.html", context)
