"""The pages that show several apps' data: the coach's home (caseload, notes
to finish, trust, invitations), the client's home (sessions and check-ins to
answer) and a client's page for their coach and supervisor (sessions and
trust)."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.forms import ClientInvitationForm
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import newest_invitations_visible_to
from coaching.forms.trust import FlagResolveForm
from coaching.selectors.client_home_sql import client_home_for_viewing
from coaching.selectors.coach_home_sql import coach_home_for_viewing
from coaching.selectors.homes import permissions_for
from coaching.selectors.timeline_sql import client_timeline_for_viewing

# Invitations listed on the coach's home.
INVITATIONS_SHOWN = 20


@require_GET
@role_required(Role.COACH)
@deliberate_read
def coach_home(request):
    coach = request.user
    context = {
        **coach_home_for_viewing(coach, request.GET.get("page")),
        "invitations": newest_invitations_visible_to(coach, INVITATIONS_SHOWN),
        "form": ClientInvitationForm(),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "coaching/homes/coach.html", context)


@require_GET
@role_required(Role.CLIENT)
def client_home(request):
    context = client_home_for_viewing(request.user, request.GET.get("page"))
    return render(request, "coaching/homes/client.html", context)


@require_GET
@role_required(Role.COACH, Role.SUPERVISOR)
@deliberate_read
def client_timeline(request, pk):
    context = {
        **client_timeline_for_viewing(request.user, pk, request.GET.get("page")),
        "resolve_form": FlagResolveForm(),
        "permissions": permissions_for(request.user),
    }
    return render(request, "coaching/homes/client_timeline.html", context)
