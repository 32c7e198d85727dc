"""Staff's pages for a client's requests about their record (HIPAA 164.524
access, 164.526 amendment): the open ones with days left (supervisors'
menu), a client's (log one), and one request (decide it)."""

from functools import partial

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import form_saved
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.record_requests import RecordRequestDecideForm, RecordRequestLogForm
from coaching.selectors import record_requests as selectors
from coaching.services import record_requests as services

STAFF = (Role.COACH, Role.SUPERVISOR)


@require_GET
@role_required(Role.SUPERVISOR)
def record_requests(request):
    requests = selectors.open_record_requests_for_viewing(request.user)
    return render(request, "coaching/record/requests.html", {"requests": requests})


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def client_record_requests(request, pk):
    data = selectors.client_record_requests_for_viewing(request.user, pk)
    client = data["client"]
    form = RecordRequestLogForm(request.POST or None, notes=data["notes"])
    if request.method == "POST":
        save = partial(services.record_request_log, actor=request.user, client=client)
        if form_saved(form, save):
            messages.success(
                request, _("Request logged. The 30-day clock starts on the day received.")
            )
            return redirect("coaching:client_record_requests", pk=client.pk)
    context = {
        **data,
        "form": form,
        "permissions": selectors.permissions_for(request.user, client),
    }
    return render(
        request,
        "coaching/record/client_requests.html",
        context,
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def record_request(request, pk):
    record_request = selectors.record_request_for_viewing(request.user, pk)
    permissions = selectors.permissions_for(request.user, record_request)
    form = None
    if permissions.can_decide:
        form = RecordRequestDecideForm(request.POST or None, request_kind=record_request.kind)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This request was already decided."))
            return redirect("coaching:record_request", pk=record_request.pk)
        save = partial(services.record_request_decide, actor=request.user, request=record_request)
        if form_saved(form, save):
            messages.success(request, _("Decision recorded."))
            return redirect("coaching:record_request", pk=record_request.pk)
    context = {"request_": record_request, "form": form, "permissions": permissions}
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "coaching/record/request.html", context, status=status)
