"""Email reminders: each person's choices, one-click unsubscribe, and the
admins' list of deliveries that failed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.policy import role_required
from sessions_log.forms import ReminderPreferenceForm
from sessions_log.selectors.reminders import (
    reminder_preferences_of,
    reminder_problems_page_for_viewing,
)
from sessions_log.services import reminders as reminder_services


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT, Role.COACH)
def reminder_settings(request):
    kinds = reminder_services.kind_choices(request.user.role)
    pref = reminder_preferences_of([request.user])[request.user.pk]
    initial = {kind: pref.wants(kind) for kind, _ in kinds} | {
        "quiet_hours": pref.quiet_start is not None,
        "quiet_start": pref.quiet_start,
        "quiet_end": pref.quiet_end,
    }
    form = ReminderPreferenceForm(request.POST or None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reminder_services.reminder_preferences_update(actor=request.user, **form.preferences())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your email choices are saved."))
            return redirect("sessions_log:reminder_settings")
    status = 400 if form.errors else 200
    return render(request, "sessions_log/reminder_settings.html", {"form": form}, status=status)


# Mail programs post here without cookies or a CSRF token (RFC 8058); the
# encrypted token in the URL is the credential, and it can only turn email off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def reminder_unsubscribe(request, token):
    page = "sessions_log/reminder_unsubscribe.html"
    if request.method == "GET":
        # A GET never unsubscribes: link scanners open every link in an email.
        # A link that could not work says so now, not after the button.
        try:
            user, _kind = reminder_services.unsubscribe_check(token)
        except ValidationError as error:
            return render(request, page, {"invalid": True, "reason": error.messages[0]})
        _speak_language_of(request, user)
        return render(request, page, {"token": token})
    try:
        user, kind = reminder_services.reminder_unsubscribe(token=token)
    except ValidationError as error:
        context = {"invalid": True, "reason": error.messages[0]}
        return render(request, page, context, status=400)
    _speak_language_of(request, user)
    labels = dict(reminder_services.kind_choices(Role.CLIENT))
    return render(request, page, {"done": labels[kind]})


def _speak_language_of(request, user) -> None:
    """The link came in an email written in its owner's language; the page
    it opens (often signed out, in a mail program's browser) speaks it too."""
    if translation.check_for_language(user.language):
        translation.activate(user.language)


@require_GET
@role_required(Role.ADMIN)
def reminder_problems(request):
    page = reminder_problems_page_for_viewing(request.user, request.GET.get("page"))
    return render(request, "sessions_log/reminder_problems.html", {"page": page})
