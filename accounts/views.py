"""Pages of people and access: teams, invitations (sending and accepting),
the audit trail and, for each client, who viewed their record."""

from allauth.account.internal.flows.login import perform_login, record_authentication
from allauth.account.models import Login
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import (
    AuditFilterForm,
    ClientInvitationForm,
    InvitationAcceptForm,
    StaffInvitationForm,
    TeamForm,
)
from accounts.models import Role
from accounts.policy import role_required

_SENT = "Invitation sent to {email}. The link works once and expires in {days} days."
_NOT_SENT = (
    "The email could not be sent just now, so nothing was saved. Please try again in a few minutes."
)


def _invite_client_page(request, form, status):
    """A coach's invitation that could not be sent, with its message (the
    form also sits on the coach's home, which belongs to the layer above)."""
    context = {
        "form": form,
        "invitations": selectors.invitations_visible_to(request.user)[:20],
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "accounts/invite_client.html", context, status=status)


def _manage_page(request, invite_form=None, team_form=None, status=200):
    teams = selectors.teams_visible_to(request.user)
    context = {
        "teams": teams,
        "invitations": selectors.invitations_visible_to(request.user)[:50],
        "invite_form": invite_form or StaffInvitationForm(teams=teams),
        "team_form": team_form or TeamForm(),
    }
    return render(request, "accounts/manage.html", context, status=status)


@require_GET
@role_required(Role.SUPERVISOR)
def team(request):
    context = {
        "team": request.user.team,
        "coaches": selectors.coaches_supervised_by(request.user),
    }
    return render(request, "accounts/team.html", context)


@require_GET
@role_required(Role.ADMIN)
def manage(request):
    return _manage_page(request)


@require_POST
@role_required(Role.ADMIN, Role.COACH)
def invitation_create(request):
    actor = request.user
    if actor.role == Role.COACH:
        form = ClientInvitationForm(request.POST)
        page = _invite_client_page
        home = settings.HOME_URL_NAMES[Role.COACH]
    else:
        form = StaffInvitationForm(request.POST, teams=selectors.teams_visible_to(actor))
        page = _manage_page
        home = "accounts:manage"
    if not form.is_valid():
        return page(request, form, status=400)
    data = form.cleaned_data
    try:
        services.invitation_create(
            actor=actor,
            email=data["email"],
            role=data.get("role", Role.CLIENT),
            team=data.get("team"),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return page(request, form, status=400)
    except services.EmailNotSent:
        form.add_error(None, _NOT_SENT)
        return page(request, form, status=503)
    messages.success(
        request, _SENT.format(email=data["email"], days=settings.INVITATION_VALID_DAYS)
    )
    return redirect(home)


@require_POST
@role_required(Role.ADMIN)
def team_create(request):
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.team_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Team “{team.name}” created.")
            return redirect("accounts:manage")
    return _manage_page(request, team_form=form, status=400)


_UNUSABLE = {
    "unknown": (
        404,
        "This invitation link is not valid. Check that you copied all of it, "
        "or ask the person who invited you for a new one.",
    ),
    "revoked": (
        410,
        "This invitation link has been replaced by a newer one. "
        "Use the link in the most recent email you received.",
    ),
    "expired": (
        410,
        "This invitation link has expired. Ask the person who invited you to send a new one.",
    ),
    "used": (
        410,
        "This invitation link has already been used. If you set up your account, sign in instead.",
    ),
}


def _unusable(request, reason):
    status, message = _UNUSABLE[reason]
    return render(request, "accounts/invitation_unusable.html", {"message": message}, status=status)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", status=409)
    try:
        invitation = services.invitation_check(token)
    except services.InvitationUnusable as error:
        return _unusable(request, error.reason)

    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except services.InvitationUnusable as error:
            return _unusable(request, error.reason)
        # Choosing the password just now counts as signing in with it, and as
        # the recent re-authentication allauth asks for before MFA set-up.
        record_authentication(
            request, user, method="password", email=user.email, reauthenticated=True
        )
        return perform_login(request, Login(user=user, email_verification="none"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=status,
    )


# The audit trail: for admins (everything) and supervisors (their team),
# and, for each client, who has looked at or changed their record.


@require_GET
@role_required(Role.ADMIN, Role.SUPERVISOR)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events_visible_to(request.user)
    status = 200
    if form.is_bound:
        if form.is_valid():
            events = form.apply(events)
        else:
            events, status = events.none(), 400
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "accounts/audit_log.html", context, status=status)


@require_GET
@role_required(Role.CLIENT)
def record_views(request):
    page = Paginator(selectors.record_views_of(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/record_views.html", {"page": page})
