"""The pages that show several apps' data: the coach's home (caseload, notes
to finish, trust, invitations), the client's home (sessions and check-ins to
answer) and a client's page for their coach and supervisor (sessions and
trust)."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.forms import ClientInvitationForm
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import active_coach_of, invitations_visible_to
from coaching.forms.trust import FlagResolveForm
from coaching.selectors.coach_home_sql import coach_home_for_viewing
from coaching.selectors.consents import consents_waiting_for
from coaching.selectors.homes import permissions_for
from coaching.selectors.plan_figures import own_steps_summary
from coaching.selectors.timeline_sql import client_timeline_for_viewing
from coaching.selectors.trust import checkin_prompts
from common.paging import page_of
from sessions_log.models import Session
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
    client, now = request.user, timezone.now()
    # Clients see the next steps of their notes, never the rest of them.
    sessions = (
        sessions_visible_to(client)
        .exclude(status=Session.Status.CANCELLED, starts_at__lt=now)
        .select_related("note")
        .defer("agenda", "note__narrative", "note__client_words", "note__goals")
    )
    # A phone screen of past sessions at a time, newest first.
    past = sessions.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    context = {
        "prompts": checkin_prompts(client),
        "consents_waiting": consents_waiting_for(client),
        "coach": active_coach_of(client),
        "steps": own_steps_summary(client),
        "upcoming": list(sessions.filter(starts_at__gte=now).order_by("starts_at")),
        "page": page_of(past, request.GET.get("page"), 10),
    }
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
