"""The audit trail: for admins (everything) and supervisors (their team),
and, for each client, who has looked at or changed their record."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors
from accounts.forms import AuditFilterForm
from accounts.models import Role
from accounts.policy import role_required


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
