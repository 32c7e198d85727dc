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
from accounts.selectors import invitations_visible_to
from coaching.forms.trust import FlagResolveForm
from coaching.selectors.client_home_sql import client_home_for_viewing
from coaching.selectors.coach_home_sql import coach_home_for_viewing
from coaching.selectors.homes import (
    client_for_viewing,
    permissions_for,
    trust_panel,
)
from coaching.selectors.plan_figures import suggested_steps_by_client
from common.paging import page_of
from sessions_log.selectors import sessions_visible_to

# Invitations listed on the coach's home.
INVITATIONS_SHOWN = 20


@require_GET
@role_required(Role.COACH)
@deliberate_read
def coach_home(request):
    coach = request.user
    context = {
        **coach_home_for_viewing(coach, request.GET.get("page")),
        "invitations": invitations_visible_to(coach)[:INVITATIONS_SHOWN],
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
    client = client_for_viewing(request.user, pk)
    sessions = (
        sessions_visible_to(request.user)
        .filter(client=client)
        .select_related(None)
        .select_related("coach", "note")
        .only("starts_at", "ends_at", "status", "coach__display_name", "note__signed_at")
        .order_by("-starts_at", "-pk")
    )
    context = {
        "client": client,
        "page": page_of(sessions, request.GET.get("page")),
        **trust_panel(request.user, client),
        "steps": suggested_steps_by_client(request.user, [client.pk])[client.pk],
        "resolve_form": FlagResolveForm(),
        "permissions": permissions_for(request.user, client),
    }
    return render(request, "coaching/homes/client_timeline.html", context)
