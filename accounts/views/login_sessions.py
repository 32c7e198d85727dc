"""A person's sessions page: where their account is signed in (address,
browser, when it started, last active, which one is this browser), and
signing the others out, one or all."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.models.login_sessions import session_key_digest
from accounts.policy import role_required
from accounts.selectors.login_sessions import login_sessions_visible_to
from accounts.services import login_sessions as services

_EVERYONE = (Role.CLIENT, Role.COACH, Role.SUPERVISOR, Role.ADMIN)


@require_GET
@role_required(*_EVERYONE)
def login_sessions(request):
    sessions = login_sessions_visible_to(request.user, request.session.session_key)
    others = sum(1 for session in sessions if not session.current)
    return render(request, "accounts/login_sessions.html", {"sessions": sessions, "others": others})


@require_POST
@role_required(*_EVERYONE)
def login_session_end(request):
    pk = request.POST.get("pk", "")
    if not pk:
        messages.error(request, _("Choose the session to sign out."))
        return redirect("accounts:login_sessions")
    if pk == session_key_digest(request.session.session_key or ""):
        logout(request)  # this browser's own: signing out, as the header's button does
        return redirect("account_login")
    services.login_session_end(actor=request.user, pk=pk)
    messages.success(request, _("That session is signed out."))
    return redirect("accounts:login_sessions")


@require_POST
@role_required(*_EVERYONE)
def login_sessions_end_others(request):
    ended = services.login_sessions_end_others(
        actor=request.user, current_key=request.session.session_key
    )
    if ended:
        messages.success(request, _("Signed out of all other sessions."))
    else:
        messages.info(request, _("No other session was signed in."))
    return redirect("accounts:login_sessions")
