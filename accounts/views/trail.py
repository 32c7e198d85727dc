"""The audit trail: for admins (everything) and supervisors (their team)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.forms import AuditFilterForm
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import trail as trail_selectors


@require_GET
@role_required(Role.ADMIN, Role.SUPERVISOR)
def audit_trail(request):
    form = AuditFilterForm(request.GET or None)
    events = trail_selectors.audit_events_visible_to(request.user)
    status = 200
    if form.is_bound:
        if form.is_valid():
            events = form.apply(events)
        else:
            events, status = events.none(), 400
    page = trail_selectors.audit_trail_page_for_viewing(
        request.user, events, request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "permissions": trail_selectors.permissions_for(request.user),
    }
    return render(request, "accounts/trail.html", context, status=status)
