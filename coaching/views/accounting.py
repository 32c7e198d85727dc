"""The accounting of disclosures (42 CFR 2.25; 45 CFR 164.528): the
client's "Who my information went to" (printable), staff's for a client,
and recording a disclosure made outside the app
(coaching.services.outside_disclosures)."""

from functools import partial

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import form_saved
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.accounting import OutsideDisclosureForm
from coaching.selectors import consents as consent_selectors
from coaching.selectors.accounting import client_accounting_for_viewing
from coaching.services.outside_disclosures import EXCEPTION_RECORDS, disclosure_record_outside

STAFF = (Role.COACH, Role.SUPERVISOR)


@require_GET
@role_required(Role.CLIENT)
def my_accounting(request):
    data = client_accounting_for_viewing(request.user, request.user.pk)
    return render(request, "coaching/accounting/mine.html", data)


def _form(client, data=None) -> OutsideDisclosureForm:
    return OutsideDisclosureForm(
        data,
        recipients=consent_selectors.recipients_for(client),
        # Any of this client's signed consents: the service says plainly
        # when the one chosen did not cover the disclosure.
        consents=client.consents.filter(signed_at__isnull=False).select_related("recipient"),
    )


def _page(request, pk, *, status=200, form=None):
    data = client_accounting_for_viewing(request.user, pk)
    client = data["client"]
    if data["may_manage"] and form is None:
        form = _form(client)
    context = {
        **data,
        "form": form if data["may_manage"] else None,
        "exception_records": list(EXCEPTION_RECORDS.values()),
    }
    return render(request, "coaching/accounting/client.html", context, status=status)


@require_GET
@role_required(*STAFF)
@deliberate_read
def client_accounting(request, pk):
    return _page(request, pk)


@require_POST
@role_required(*STAFF)
def outside_disclosure_record(request, pk):
    client = get_object_or_404(consent_selectors.consent_clients_managed_by(request.user), pk=pk)
    form = _form(client, request.POST)
    record = partial(disclosure_record_outside, actor=request.user, client=client)
    if form_saved(form, record):
        messages.success(request, "Recorded. It is in the client's accounting of disclosures.")
        return redirect("coaching:client_accounting", pk=client.pk)
    return _page(request, client.pk, status=400, form=form)
