"""Billing for the staff who bill (admins: accounts/policy.py bills): the
claim file per programme and range of days, and the funder report per month
and programme. Supervisors read the funder report for their team."""

import csv

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.billing import ClaimForm, FunderReportForm
from coaching.notices import NOTICE_VERSION, SCOPE_HEADING, SCOPE_LABELS, STATEMENT_1
from coaching.selectors import billing as selectors
from coaching.selectors.report import csv_safe
from coaching.services.billing import claim_export

BILLERS = (Role.ADMIN,)
REPORTERS = (Role.ADMIN, Role.SUPERVISOR)


def _claim_form(data=None):
    return ClaimForm(data, programmes=selectors.claim_programmes())


def _claims_page(request, form, *, preview=None, status=200):
    context = {
        "form": form,
        "preview": preview,
        "requires_cosign": settings.BILLING_REQUIRES_COSIGN,
        "permissions": selectors.permissions_for(request.user),
        "notice": STATEMENT_1,
        "notice_version": NOTICE_VERSION,
    }
    return render(request, "coaching/billing/claims.html", context, status=status)


@require_GET
@role_required(*BILLERS)
@deliberate_read
def claims(request):
    """The claim form; with a programme and days, what the file would hold
    and whom it would leave out for want of a consent (listed here, never
    in the file), and the button that downloads it."""
    if "programme" not in request.GET:
        return _claims_page(request, _claim_form())
    form = _claim_form(request.GET)
    if not form.is_valid():
        return _claims_page(request, form, status=400)
    data = form.cleaned_data
    preview = selectors.claim_for_viewing(
        request.user, start=data["start"], end=data["end"], programme=data["programme"]
    )
    return _claims_page(request, form, preview=preview)


@require_POST
@role_required(*BILLERS)
def claim_download(request):
    """The claim file (CSV): 42 CFR 2.32(a) Statement 1 at its head (its
    version on the next row), whom it is for and who discloses, each
    included client's consent scope (2.32(b)), then one row per billable
    session of the clients whose consent covers the payer; a Disclosure
    recorded per client. Refused with a message, and nothing recorded, when
    nobody on it has a consent."""
    form = _claim_form(request.POST)
    if not form.is_valid():
        return _claims_page(request, form, status=400)
    data = form.cleaned_data
    try:
        claim = claim_export(
            actor=request.user, start=data["start"], end=data["end"], programme=data["programme"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _claims_page(request, form, status=400)
    start, end = data["start"].isoformat(), data["end"].isoformat()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="claim-{data["programme"].pk}-{start}-{end}.csv"'
    )
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    for row in [
        [claim.notice],
        [claim.notice_version],
        [],
        ["Claim for", claim.recipient.name],
        ["Disclosed by", claim.disclosed_by],
        ["Programme", data["programme"].name],
        ["Dates of service", f"{start} to {end}"],
        ["Prepared by", request.user.display_name],
        ["Prepared on", timezone.localdate().isoformat()],
        [],
        [SCOPE_HEADING],
        list(SCOPE_LABELS),
        *claim.scopes,
        [],
        claim.header,
        *claim.rows,
    ]:
        writer.writerow([csv_safe(value) for value in row])
    return response


@require_GET
@role_required(*REPORTERS)
def funder_report(request):
    """The funder report for a month and programme: counts only, those from
    1 to 4 shown as "<5"."""
    programmes = selectors.claim_programmes()
    if "month" not in request.GET:
        form = FunderReportForm(
            initial={"month": timezone.localdate().replace(day=1)}, programmes=programmes
        )
        context = {"form": form, "permissions": selectors.permissions_for(request.user)}
        return render(request, "coaching/billing/funder_report.html", context)
    form = FunderReportForm(request.GET, programmes=programmes)
    if not form.is_valid():
        context = {"form": form, "permissions": selectors.permissions_for(request.user)}
        return render(request, "coaching/billing/funder_report.html", context, status=400)
    data = form.cleaned_data
    figures = selectors.funder_report_for_viewing(
        request.user, month=data["month"], programme=data["programme"]
    )
    context = {
        "form": form,
        "permissions": selectors.permissions_for(request.user),
        "figures": figures,
        "shown": selectors.funder_report_shown(figures),
        "follow_up_days": selectors.FOLLOW_UP_DAYS,
    }
    return render(request, "coaching/billing/funder_report.html", context)
