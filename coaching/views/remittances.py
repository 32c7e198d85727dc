"""Remittances for the staff who bill (admins): the recent 835 files
uploaded, with what they paid and denied, and the upload itself."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_errors
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.remittances import RemittanceUploadForm
from coaching.selectors import remittances as selectors
from coaching.services.remittances import remittance_apply
from common.downloads import attachment

BILLERS = (Role.ADMIN,)


def _remittances_page(request, form, *, status=200):
    context = {"form": form, "remittances": selectors.recent_remittances(request.user)}
    return render(request, "coaching/billing/remittances.html", context, status=status)


@require_GET
@role_required(*BILLERS)
def remittances(request):
    """The recent remittances (date, payer, trace, amount, lines paid and
    denied: no client names) and the upload form."""
    return _remittances_page(request, RemittanceUploadForm())


@require_POST
@role_required(*BILLERS)
def remittance_upload(request):
    """An 835 uploaded: its lines marked paid or denied, then back to the
    list saying how many; refused whole, with why, and nothing changed."""
    form = RemittanceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _remittances_page(request, form, status=400)
    try:
        remittance = remittance_apply(actor=request.user, text=form.cleaned_data["file"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _remittances_page(request, form, status=400)
    paid, denied = remittance.lines_paid, remittance.lines_denied
    messages.success(
        request,
        f"Remittance {remittance.trace_number} from {remittance.payer_name}: "
        f"{paid} line{'s' if paid != 1 else ''} paid, {denied} denied.",
    )
    return redirect("coaching:remittances")


@require_POST
@role_required(*BILLERS)
def remittance_download(request, pk):
    """The 835 as it was uploaded, byte for byte: what an auditor compares
    the lines' states with."""
    remittance = selectors.remittance_for_viewing(request.user, pk)
    return attachment(
        remittance.file_text,
        filename=f"remittance-{remittance.pk}.x12",
        content_type="text/plain; charset=us-ascii",
    )
