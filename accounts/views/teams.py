"""A supervisor's team: its coaches and their caseloads."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors.teams import coaches_supervised_by, team_for_viewing


@require_GET
@role_required(Role.SUPERVISOR)
def team(request):
    user = request.user
    context = {
        "team": team_for_viewing(user, user.team_id) if user.team_id else None,
        "coaches": coaches_supervised_by(user),
    }
    return render(request, "accounts/team.html", context)
