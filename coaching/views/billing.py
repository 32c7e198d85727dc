"""Billing for the staff who bill (admins: accounts/policy.py bills): the
claim file per programme and range of days (kept as downloaded, disclosed
when marked sent), and the funder report per month and programme.
Supervisors read the funder report for their team."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.billing import ClaimForm, FunderReportForm
from coaching.forms.disclosures import MarkSentForm
from coaching.notices import NOTICE_VERSION, STATEMENT_1
from coaching.selectors import billing as selectors
from coaching.selectors.claim_sheets import (
    claim_sheet_for_viewing,
    claim_sheets_managed_by,
    claim_sheets_recent,
)
from coaching.selectors.funder_report import FOLLOW_UP_DAYS, funder_report_for_viewing
from coaching.services.billing import claim_export, claim_sheet_mark_sent
from common.downloads import attachment

BILLERS = (Role.ADMIN,)
REPORTERS = (Role.ADMIN, Role.SUPERVISOR)


def _claim_form(data=None):
    return ClaimForm(data, programmes=selectors.claim_programmes())


def _sheet_forms(sheets, bound=None):
    """A "mark sent" form per unsent sheet (its own ids); `bound`, the one
    just refused, keeps what was typed."""
    today = timezone.localdate()
    return [
        (
            sheet,
            bound
            if bound is not None and bound.sheet_pk == sheet.pk
            else MarkSentForm(initial={"sent_on": today}, auto_id=f"sheet{sheet.pk}-%s"),
        )
        for sheet in sheets
    ]


def _claims_page(request, form, *, preview=None, status=200, sent_form=None):
    context = {
        "sheets": _sheet_forms(claim_sheets_recent(request.user), sent_form),
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
    session of the clients whose consent covers the payer. Kept as a
    ClaimSheet: nothing counts as disclosed until it is marked sent.
    Refused with a message, and nothing kept, when nobody on it has a
    consent."""
    form = _claim_form(request.POST)
    if not form.is_valid():
        return _claims_page(request, form, status=400)
    data = form.cleaned_data
    try:
        sheet = claim_export(
            actor=request.user, start=data["start"], end=data["end"], programme=data["programme"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _claims_page(request, form, status=400)
    return _sheet_response(sheet)


def _sheet_response(sheet):
    start, end = sheet.first_day.isoformat(), sheet.last_day.isoformat()
    return attachment(
        sheet.file_text,
        filename=f"claim-{sheet.programme_id}-{start}-{end}-{sheet.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_POST
@role_required(*BILLERS)
def claim_sheet_download(request, pk):
    """A claim file downloaded before, again: exactly the text kept (audited)."""
    return _sheet_response(claim_sheet_for_viewing(request.user, pk))


@require_POST
@role_required(*BILLERS)
def claim_sheet_sent(request, pk):
    """Mark a claim file sent (the day, how): each consent checked again and
    the Disclosures recorded then (42 CFR 2.25; 45 CFR 164.528). A client
    no longer covered is taken off the file, named, and nothing marked: the
    file must be downloaded again. Refused (marked already, a bad date):
    says why, nothing recorded."""
    sheet = get_object_or_404(claim_sheets_managed_by(request.user), pk=pk)
    form = MarkSentForm(request.POST, auto_id=f"sheet{sheet.pk}-%s")
    form.sheet_pk = sheet.pk
    if not form.is_valid():
        return _claims_page(request, _claim_form(), status=400, sent_form=form)
    try:
        done = claim_sheet_mark_sent(
            actor=request.user,
            sheet_pk=pk,
            sent_on=form.cleaned_data["sent_on"],
            sent_by=form.cleaned_data["sent_by"],
        )
    except ValidationError as error:
        # Above the page: the file refused may show no form (sent, or emptied).
        for text in error.messages:
            messages.error(request, text)
        return _claims_page(request, _claim_form(), status=400, sent_form=form)
    for text in done.removed:
        messages.warning(request, text)
    if done.sent:
        messages.success(
            request,
            f"Claim file {pk} marked sent: the disclosures are recorded, and each "
            "client sees theirs.",
        )
    return redirect("coaching:claims")


@require_GET
@role_required(*REPORTERS)
def funder_report(request):
    """The funder report for a month and programme: counts only, small ones
    and those that would give one away hidden (selectors/funder_report.py)."""
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
    figures, shown = funder_report_for_viewing(
        request.user, month=data["month"], programme=data["programme"]
    )
    context = {
        "form": form,
        "permissions": selectors.permissions_for(request.user),
        "figures": figures,
        "shown": shown,
        "follow_up_days": FOLLOW_UP_DAYS,
    }
    return render(request, "coaching/billing/funder_report.html", context)
