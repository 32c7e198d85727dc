"""The client's text-message page (/texts/): one page that shows what can
be done in the state their number is in, each button posting its `action`
to the page itself. The inbound and status webhooks are text_webhooks'."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.policy import role_required
from common import sms
from sessions_log.forms.texts import TextByEmailForm, TextCodeForm, TextNumberForm
from sessions_log.selectors.reminders import reminder_preferences_of
from sessions_log.selectors.texts import text_number_of
from sessions_log.services import texts as services
from sessions_log.services.reminders import reminder_preferences_update

PAGE = "sessions_log/text_settings.html"


def page_state(number) -> str:
    """Which part of the page shows: "off" (no texts here), "none",
    "unconfirmed", "on", "stopped_text", "stopped_app" or "failed"."""
    if not sms.enabled():
        return "off"
    if number is None:
        return "none"
    if number.state == "stopped":
        return "stopped_text" if number.stopped_by == "text" else "stopped_app"
    return number.state


def _start(request, forms) -> str | None:
    form = forms["number"]
    if form.is_valid():
        try:
            services.text_number_start(
                actor=request.user,
                number=form.cleaned_data["number"],
                consent=form.cleaned_data["consent"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _("A code is on its way to your phone.")
    return None


def _confirm(request, forms) -> str | None:
    form = forms["code"]
    if form.is_valid():
        try:
            services.text_number_confirm(actor=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _("Texts are on.")
    return None


def _resend(request, forms) -> str:
    services.text_number_resend(actor=request.user)
    return _("A new code is on its way. The one before no longer works.")


def _stop(request, forms) -> str:
    services.text_number_stop(actor=request.user)
    return _("Texts are off. Reminders come by email.")


def _resume(request, forms) -> str:
    services.text_number_resume(actor=request.user)
    return _("Texts are on again.")


def _remove(request, forms) -> str:
    services.text_number_remove(actor=request.user)
    return _("Your number is removed. Reminders come by email.")


def _by_email(request, forms) -> str:
    form = forms["by_email"]
    form.is_valid()  # a tick box: always valid, absent is "no"
    reminder_preferences_update(actor=request.user, by_email=form.cleaned_data["by_email"])
    return _("Your choice is saved.")


ACTIONS = {
    "start": _start,
    "confirm": _confirm,
    "resend": _resend,
    "stop": _stop,
    "resume": _resume,
    "remove": _remove,
    "by_email": _by_email,
}


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def text_settings(request):
    action = request.POST.get("action") if request.method == "POST" else None
    posted = request.POST if action else None
    pref = reminder_preferences_of([request.user])[request.user.pk]
    forms = {
        "number": TextNumberForm(posted if action == "start" else None),
        "code": TextCodeForm(posted if action == "confirm" else None),
        "by_email": TextByEmailForm(
            posted if action == "by_email" else None, initial={"by_email": pref.by_email}
        ),
    }
    problems = []
    if action:
        if not sms.enabled() or action not in ACTIONS:
            problems.append(_("Text messages are not available here."))
        else:
            # A form's own errors stay on it; the other buttons' go above them.
            try:
                done = ACTIONS[action](request, forms)
            except ValidationError as error:
                problems, done = error.messages, None
            if done:
                messages.success(request, done)
                return redirect("sessions_log:text_settings")
    number = text_number_of(request.user)
    state = page_state(number)
    context = {
        "state": state,
        "number": number,
        "number_form": forms["number"],
        "code_form": forms["code"],
        "by_email_form": forms["by_email"],
        # The number form again: asked for ("Change number"), or just refused.
        "changing": request.GET.get("change") == "1" or action == "start",
        "consent_words": services.consent_words(),
        "sending_number": services.sending_number(),
        "problems": problems,
    }
    return render(request, PAGE, context, status=400 if action else 200)
