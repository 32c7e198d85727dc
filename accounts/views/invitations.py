"""Invitations: sending one (a coach their client, an admin a staff member),
withdrawing it, and the page behind its link that creates the account."""

from allauth.account.internal.flows.login import perform_login, record_authentication
from allauth.account.models import Login
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import (
    ClientInvitationForm,
    InvitationAcceptForm,
    InvitationRevokeForm,
    StaffInvitationForm,
)
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import invitations as invitation_selectors
from accounts.selectors.teams import teams_visible_to
from accounts.services import invitations as invitation_services
from accounts.views.manage import manage_page

_SENT = _("Invitation sent to %(email)s. The link works once and expires in %(days)d days.")
_NOT_SENT = _(
    "The email could not be sent just now, so nothing was saved. Please try again in a few minutes."
)


def _invite_client_page(request, form, status):
    """A coach's invitation that could not be sent, with its message (the
    form also sits on the coach's home, which belongs to the layer above)."""
    context = {
        "form": form,
        "invitations": invitation_selectors.invitations_visible_to(request.user)[:20],
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "accounts/invite_client.html", context, status=status)


def _staff_invitation_page(request, form, status):
    return manage_page(request, invite_form=form, status=status)


@require_POST
@role_required(Role.ADMIN, Role.COACH)
def invitation_create(request):
    actor = request.user
    if invitation_selectors.permissions_for(actor).can_invite_clients:
        form = ClientInvitationForm(request.POST)
        page = _invite_client_page
        home = settings.HOME_URL_NAMES[actor.role]
    else:
        form = StaffInvitationForm(request.POST, teams=teams_visible_to(actor))
        page = _staff_invitation_page
        home = "accounts:manage"
    if not form.is_valid():
        return page(request, form, status=400)
    data = form.cleaned_data
    try:
        invitation_services.invitation_create(
            actor=actor,
            email=data["email"],
            role=data.get("role", Role.CLIENT),
            team=data.get("team"),
            language=data.get("language", ""),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return page(request, form, status=400)
    except invitation_services.EmailNotSent:
        form.add_error(None, _NOT_SENT)
        return page(request, form, status=503)
    except invitation_services.InvitationRateLimited as error:
        minutes = error.retry_after_minutes
        message = ngettext(
            "You have sent %(limit)d invitations in the last hour, the most allowed, so this "
            "one was not sent. Please try again in %(minutes)d minute.",
            "You have sent %(limit)d invitations in the last hour, the most allowed, so this "
            "one was not sent. Please try again in %(minutes)d minutes.",
            minutes,
        ) % {"limit": invitation_services.INVITATIONS_PER_HOUR, "minutes": minutes}
        form.add_error(None, message)
        return page(request, form, status=429)
    messages.success(
        request, _SENT % {"email": data["email"], "days": settings.INVITATION_VALID_DAYS}
    )
    return redirect(home)


@require_POST
@role_required(Role.ADMIN, Role.COACH)
def invitation_revoke(request):
    """Withdraw a pending invitation from the list that shows it (the
    coach's home, or /manage/ for admins); someone else's is a 404."""
    home = settings.HOME_URL_NAMES[request.user.role]
    form = InvitationRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the invitation to revoke."))
        return redirect(home)
    invitation = invitation_selectors.invitation_for_viewing(
        request.user, form.cleaned_data["invitation"]
    )
    try:
        invitation_services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s is revoked: its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect(home)


_UNUSABLE = {
    "unknown": (
        404,
        _(
            "This invitation link is not valid. Check that you copied all of it, "
            "or ask the person who invited you for a new one."
        ),
    ),
    "revoked": (
        410,
        _(
            "This invitation link no longer works: it was withdrawn or replaced by a newer one. "
            "Use the link in the most recent email you received, "
            "or ask the person who invited you."
        ),
    ),
    "expired": (
        410,
        _("This invitation link has expired. Ask the person who invited you to send a new one."),
    ),
    "used": (
        410,
        _(
            "This invitation link has already been used. "
            "If you set up your account, sign in instead."
        ),
    ),
}


def _unusable(request, reason):
    status, message = _UNUSABLE[reason]
    return render(request, "accounts/invitation_unusable.html", {"message": message}, status=status)


# The page behind a link that creates an account: never kept by a browser or
# a proxy, whoever opens it.
@cache_control(no_store=True)
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", status=409)
    try:
        invitation = invitation_services.invitation_check(token)
    except invitation_services.InvitationUnusable as error:
        return _unusable(request, error.reason)
    # The person read the invitation in the language their coach chose for
    # them (Invitation.language): its page speaks it too.
    translation.activate(invitation.language)
    request.LANGUAGE_CODE = invitation.language

    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_services.invitation_accept(
                token=token,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except invitation_services.InvitationUnusable as error:
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
