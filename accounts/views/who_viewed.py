"""A client's "Who viewed my record": every time staff opened, listed,
exported or changed their record, and what we send their payer."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors.payer import payer_identity_for_viewing
from accounts.selectors.trail import record_view_lines_for_viewing


@require_GET
@role_required(Role.CLIENT)
def record_views(request):
    page = record_view_lines_for_viewing(request.user, request.GET.get("page"))
    identity = payer_identity_for_viewing(request.user, request.user)
    return render(request, "accounts/record_views.html", {"page": page, "payer_identity": identity})
