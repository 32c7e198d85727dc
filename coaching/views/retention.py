"""The admins' retention page: the clients whose record has passed
retention (coaching/selectors/retention.py) and, for each, a button to
confirm it may be destroyed (`manage.py retention_destroy` then does it, as
the tables' owner)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.policy import role_required
from coaching.selectors import retention as selectors
from coaching.services.retention import retention_confirm


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def retention_review(request):
    error = None
    if request.method == "POST":
        pk = request.POST.get("client", "")
        if pk.isdigit():
            retention_confirm(actor=request.user, client_pk=int(pk))
            messages.success(
                request,
                "Confirmed. The record is destroyed at the next monthly run of "
                "retention_destroy, if it is still past retention then.",
            )
            return redirect("coaching:retention_review")
        error = "Choose a client from the list to confirm."
    context = {
        "clients": selectors.retention_review_for_viewing(request.user),
        "years": selectors.retention_years(),
        "permissions": selectors.permissions_for(request.user),
        "error": error,
    }
    return render(request, "coaching/retention.html", context, status=400 if error else 200)
