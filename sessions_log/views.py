from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import active_coach_of


@require_GET
@role_required(Role.CLIENT)
def my_sessions(request):
    # Sessions arrive with the scheduling feature; until then the page shows
    # who the client's coach is and an honest empty state.
    context = {"coach": active_coach_of(request.user)}
    return render(request, "sessions_log/my_sessions.html", context)
