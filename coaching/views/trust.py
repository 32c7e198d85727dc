"""Trust check-ins (clients), flags (coaches and supervisors), and private
requests to talk with a supervisor (supervisors only)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from accounts.services.language import language_offered
from coaching.forms.trust import CheckInForm, FlagResolveForm
from coaching.selectors import trust as selectors
from coaching.selectors.trust import checkin_prompts, private_requests_of
from coaching.services import trust as services


def _checkin_form_page(request, *, client, checkin_request, template_context, session_id=None):
    """Show the form; on a valid post record the check-in. Returns the
    response, or None when the check-in was recorded. With `session_id` (a
    POST from the signed-in page) the service reads the request, locked,
    and a form shown again reads it for the page."""
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.checkin_submit(
                client=client,
                answers=form.answers(),
                comment=data["comment"],
                talk_to_supervisor=data["talk_to_supervisor"],
                message=data["message"],
                request=checkin_request,
                session_id=session_id if checkin_request is None else None,
            )
        except ValidationError as error:
            code = getattr(error, "code", None)
            if code == services.TOO_SOON:
                return _checkin_too_soon(request, error.params["allowed_at"])
            if code in (services.CLOSED, services.CHANGED):
                # Answered, expired or about another coaching since the page was shown.
                by_link = template_context.get("by_link", False)
                changed = by_link and code == services.CHANGED
                context = {"by_link": by_link, "coaching_changed": changed}
                return render(request, "coaching/checkin_closed.html", context, status=410)
            add_service_errors(form, error)
        else:
            return None
    if session_id is not None and checkin_request is None:
        checkin_request = selectors.checkin_request_for_viewing(client, session_id=session_id)
        if not checkin_request.is_open:
            return render(request, "coaching/checkin_closed.html", status=410)
        template_context = {**template_context, "checkin_request": checkin_request}
    status = 400 if form.errors else 200
    context = {"form": form, **template_context}
    return render(request, "coaching/checkin_form.html", context, status=status)


def _checkin_too_soon(request, allowed_at):
    context = {"allowed_at": allowed_at}
    return render(request, "coaching/checkin_closed.html", context, status=409)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def checkin_new(request):
    """A signed-in client checks in: about a session (?session=<id>) they were
    asked about, or between sessions. A POST about a session reads its
    request once, locked, in checkin_submit (404 when it is not theirs, 410
    when it has closed), and refuses a second check-in within the week
    there too."""
    checkin_request, session_id = None, None
    if "session" in request.GET:
        try:
            session_id = int(request.GET["session"])
        except ValueError:
            raise Http404 from None
        if request.method == "GET":
            checkin_request = selectors.checkin_request_for_viewing(
                request.user, session_id=session_id
            )
            if not checkin_request.is_open:
                return render(request, "coaching/checkin_closed.html", status=410)
    elif request.method == "GET":
        allowed_at = selectors.next_checkin_allowed_at(request.user)
        if allowed_at is not None:
            return _checkin_too_soon(request, allowed_at)
    response = _checkin_form_page(
        request,
        client=request.user,
        checkin_request=checkin_request,
        session_id=session_id,
        template_context={"checkin_request": checkin_request, "signed_in": True},
    )
    if response is not None:
        return response
    messages.success(request, _("Thank you. Your check-in is saved."))
    return redirect("coaching:my_checkins")


# Every answer, the form included, is never kept by a browser or a proxy:
# the URL holds the token, and the page is about someone's coaching.
@cache_control(no_store=True)
@require_http_methods(["GET", "POST"])
def checkin_by_link(request, token):
    """The emailed link: the token alone opens this one form, once. It shows
    nothing else about the person and signs nobody in."""
    checkin_request = selectors.checkin_request_by_token(token)
    if checkin_request is None:
        context = {"by_link": True, "coaching_changed": False}
        return render(request, "coaching/checkin_closed.html", context, status=410)
    language = _link_language(request, checkin_request.client)
    with translation.override(language):
        response = _checkin_by_link(request, checkin_request)
    response.headers["Content-Language"] = language
    return response


def _link_language(request, client) -> str:
    """The emailed link may be opened signed out, on a browser set to any
    language: its pages speak the language the client chose (User.language),
    not the browser's. Only the language switch, tapped on this browser,
    goes before it (else the switch on the page would do nothing)."""
    for language in (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""), client.language):
        if language_offered(language):
            return language
    return settings.LANGUAGE_CODE


def _checkin_by_link(request, checkin_request):
    if not checkin_request.is_open:
        changed = checkin_request.assignment.ended_at is not None
        context = {"by_link": True, "coaching_changed": changed}
        return render(request, "coaching/checkin_closed.html", context, status=410)
    response = _checkin_form_page(
        request,
        client=checkin_request.client,
        checkin_request=checkin_request,
        template_context={"by_link": True},
    )
    if response is not None:
        return response
    # Someone who asked to talk with a supervisor learns what happens next.
    asked = (
        private_requests_of(checkin_request.client)[:1]
        if "talk_to_supervisor" in request.POST
        else []
    )
    return render(request, "coaching/checkin_thanks.html", {"private_requests": asked})


@require_GET
@role_required(Role.CLIENT)
def my_checkins(request):
    checkins = list(selectors.checkins_visible_to(request.user).order_by("created_at", "pk"))
    context = {
        "checkins": checkins,
        "prompts": checkin_prompts(request.user),
        "private_requests": selectors.private_requests_of(request.user),
        "followed_up": selectors.followed_up_checkins_of(request.user),
        "allowed_at": selectors.next_checkin_allowed_at(request.user),
    }
    return render(request, "coaching/my_checkins.html", context)


def _act(request, action, success: str) -> None:
    """Run a one-button action; say what happened, or why it could not."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)


def _back(request, flag):
    """Back to the page the form was on (the flags inbox or the timeline)."""
    target = request.POST.get("next", "")
    # Only a path on this site; `redirect` would also take a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(target)
    return redirect("coaching:client_timeline", pk=flag.client_id)


@require_POST
@role_required(Role.COACH, Role.SUPERVISOR)
def flag_acknowledge(request, pk):
    flag = selectors.flag_for_viewing(request.user, pk)
    _act(
        request,
        lambda: services.flag_acknowledge(actor=request.user, flag=flag),
        "Flag acknowledged.",
    )
    return _back(request, flag)


@require_POST
@role_required(Role.SUPERVISOR)
def flag_resolve(request, pk):
    flag = selectors.flag_for_viewing(request.user, pk)
    form = FlagResolveForm(request.POST)

    def resolve():
        if not form.is_valid():
            raise ValidationError(form.errors["note"])
        services.flag_resolve(actor=request.user, flag=flag, note=form.cleaned_data["note"])

    _act(request, resolve, "Flag resolved.")
    return _back(request, flag)


@require_GET
@role_required(Role.SUPERVISOR)
@deliberate_read
def supervision(request):
    """The flags inbox: the team's unresolved flags, oldest first, and
    private requests to talk with a supervisor. ?coach=<id> narrows both."""
    context = {
        **selectors.supervision_inbox(request.user, request.GET.get("coach", "")),
        "resolve_form": FlagResolveForm(),
        "permissions": selectors.permissions_for(request.user),
    }
    return render(request, "coaching/supervision.html", context)


def _request_step(request, pk, service, success: str):
    """One step of a private request (take it, mark it done), from the inbox."""
    private = selectors.private_request_for_viewing(request.user, pk)
    _act(request, lambda: service(actor=request.user, request=private), success)
    return redirect("coaching:supervision")


@require_POST
@role_required(Role.SUPERVISOR)
def supervisor_request_done(request, pk):
    return _request_step(
        request,
        pk,
        services.supervisor_request_done,
        "Marked done. The client sees that it is done, never what was said.",
    )


@require_POST
@role_required(Role.SUPERVISOR)
def supervisor_request_handle(request, pk):
    return _request_step(
        request, pk, services.supervisor_request_handle, "Marked as taken: you will contact them."
    )
