"""Compliance reviews for admins: the audit trail of a period as a CSV
file, and a breach report for an account and a window."""

import csv

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.forms import BreachReportForm, ReviewPeriodForm
from accounts.middleware import confirm_open, navigation_is_deliberate
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import reviews as selectors
from common.downloads import attachment, csv_safe


def _csv(rows, filename: str):
    response = attachment("", filename=filename, content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return response


@require_GET
@role_required(Role.ADMIN)
def audit_export(request):
    form = ReviewPeriodForm(request.GET or None)
    if not form.is_valid():
        status = 400 if form.is_bound else 200
        return render(request, "accounts/reviews/audit_export.html", {"form": form}, status=status)
    if not navigation_is_deliberate(request):
        return confirm_open(request)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.audit_export_for_viewing(request.user, start=start, end=end)
    return _csv([selectors.EXPORT_COLUMNS, *rows], f"audit-trail-{start}-{end}.csv")


@require_GET
@role_required(Role.ADMIN)
def breach_report(request):
    form = BreachReportForm(request.GET or None)
    context = {"form": form, "report": None}
    if not form.is_valid():
        status = 400 if form.is_bound else 200
        return render(request, "accounts/reviews/breach_report.html", context, status=status)
    if not navigation_is_deliberate(request):
        return confirm_open(request)
    data = form.cleaned_data
    report = selectors.breach_report_for_viewing(
        request.user, account_email=data["account"], start=data["start"], end=data["end"]
    )
    if report is None:
        form.add_error("account", "No account has this email address.")
        return render(request, "accounts/reviews/breach_report.html", context, status=400)
    if request.GET.get("download") == "csv":
        filename = f"breach-report-{report.account.pk}-{report.start}-{report.end}.csv"
        return _csv(selectors.breach_report_rows(report), filename)
    query = request.GET.copy()
    query["download"] = "csv"
    context.update(report=report, csv_query=query.urlencode())
    return render(request, "accounts/reviews/breach_report.html", context)
