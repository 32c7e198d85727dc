"""Invitations and teams: the admins' page, and creating a team on it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import StaffInvitationForm, TeamForm
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import teams as team_selectors
from accounts.selectors.invitations import invitations_visible_to
from accounts.services.teams import team_create as team_create_service


def manage_page(request, invite_form=None, team_form=None, status=200):
    """The page, with a form that could not be sent (and its status)."""
    teams = team_selectors.teams_visible_to(request.user)
    context = {
        "teams": team_selectors.teams_with_members(request.user),
        "invitations": invitations_visible_to(request.user)[:50],
        "invite_form": invite_form or StaffInvitationForm(teams=teams),
        "team_form": team_form or TeamForm(),
        "permissions": team_selectors.permissions_for(request.user),
    }
    return render(request, "accounts/manage.html", context, status=status)


@require_GET
@role_required(Role.ADMIN)
def manage(request):
    return manage_page(request)


@require_POST
@role_required(Role.ADMIN)
def team_create(request):
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_create_service(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Team “{team.name}” created.")
            return redirect("accounts:manage")
    return manage_page(request, team_form=form, status=400)
