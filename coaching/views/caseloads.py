"""Caseload review for supervisors (their own team) and admins (every team):
the team dashboard, a coach's caseload, a client's whole history,
reassignment and the CSV report."""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import add_service_errors
from accounts.middleware import confirm_open, deliberate_read, navigation_is_deliberate
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.caseloads import DashboardFilterForm, ReassignForm, ReportForm
from coaching.selectors import caseloads as selectors
from coaching.selectors.coach_detail_sql import coach_detail_for_viewing
from coaching.selectors.dashboard_coaches_sql import dashboard_teams
from coaching.selectors.dashboard_sql import team_dashboard_for_viewing
from coaching.selectors.episodes import episode_month_figures
from coaching.selectors.history import client_history as history_of
from coaching.selectors.history import reviewed_client_for_viewing
from coaching.services.caseloads import client_reassign as reassign
from coaching.services.caseloads import report_export
from coaching.views.dashboard_rows import dashboard_cells, dashboard_header, team_options
from common.downloads import attachment, csv_safe
from common.paging import MAX_PAGE

REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)
# The dashboard's columns, in order: (sort key, heading).
COLUMNS = [
    ("coach", "Coach"),
    ("active_clients", "Active clients"),
    ("completed_30", "Completed, 30 days"),
    ("no_shows_30", "No-shows, 30 days"),
    ("quiet_clients", "No contact 14+ days"),
    ("notes_overdue", "Notes overdue"),
    ("notes_waiting", "Waiting for co-sign"),
    ("trust_mean", "Trust, 30 days"),
    ("open_flags", "Open flags"),
    ("resolved_flags_30", "Flags resolved, 30 days"),
    ("open_requests", "Private requests"),
    ("plans_review_due", "Plans due for review"),
    ("plans_not_agreed", "No agreed plan"),
    ("suggestions_tried", "Suggested steps tried, 90 days"),
]


def _page_asked(raw: str) -> int | None:
    """The page number asked for, or None if it is not one."""
    try:
        number = int(raw)
    except ValueError:
        return None
    return number if 1 <= number <= MAX_PAGE else None


@require_GET
@role_required(*REVIEWERS)
def team_dashboard(request):
    """The figures of the coaches the viewer reviews, a page of 50 at a time;
    an admin can show one team. A bad sort, team or page is said, answered
    400 and left out: the page shows what it would without it."""
    user, errors = request.user, []
    sort = request.GET.get("sort", "coach")
    if sort.removeprefix("-") not in dict(COLUMNS):
        errors.append(f"The table cannot be sorted by “{sort[:40]}”; it is sorted by coach.")
        sort = "coach"
    teams = dashboard_teams(user)
    form = DashboardFilterForm(request.GET, teams=teams)
    team = form.chosen_team() if form.is_valid() else None
    if team is None and request.GET.get("team"):
        # A team that does not exist and one the viewer may not pick read the same.
        shown = request.GET["team"][:40]
        errors.append(f"There is no team “{shown}” to show; every team you review is shown.")
    raw_page = request.GET.get("page") or "1"  # empty: none asked for
    page = _page_asked(raw_page)
    if page is None:
        errors.append(f"There is no page “{raw_page[:40]}”; this is page 1.")
        page = 1

    permissions = selectors.permissions_for(user)
    found = team_dashboard_for_viewing(
        user, timezone.now(), timezone.localdate(), sort=sort, page=page, team=team
    )
    if found["past_end"]:
        errors.append(f"There is no page {page}; this is page 1.")
    for error in errors:
        messages.error(request, error)
    dashboard_cells(found["rows"], permissions)
    # What the sort links keep (the team) and the page links (the team and the sort).
    team_query = urlencode({"team": team}) if team is not None else ""
    context = {
        "rows": found["rows"],
        "page": found["page"],
        "query": urlencode({"sort": sort, **({"team": team} if team is not None else {})}),
        "team_query": team_query,
        "team_options": team_options(tuple(teams), team) if permissions.can_see_every_team else "",
        "team": team,
        # Private requests lead the page: someone asked to talk with a supervisor.
        "waiting_requests": found["waiting_requests"],
        "header": dashboard_header(COLUMNS, sort, permissions.can_see_private_requests, team_query),
        "sort": sort,
        "permissions": permissions,
        # Active episodes, admissions and discharges: this month and the two before.
        "episode_months": found["episode_months"],
    }
    status = 400 if errors else 200
    return render(request, "coaching/caseloads/dashboard.html", context, status=status)


@require_GET
@role_required(*REVIEWERS)
@deliberate_read
def coach_detail(request, pk):
    context = {
        **coach_detail_for_viewing(request.user, pk, request.GET.get("page")),
        "permissions": selectors.permissions_for(request.user),
    }
    return render(request, "coaching/caseloads/coach.html", context)


@require_GET
@role_required(*REVIEWERS)
@deliberate_read
def client_history(request, pk):
    client = reviewed_client_for_viewing(request.user, pk)
    permissions = selectors.permissions_for(request.user, client)
    context = {
        "client": client,
        "events": history_of(request.user, client),
        "permissions": permissions,
        "can_reassign": permissions.can_reassign,
    }
    return render(request, "coaching/caseloads/client.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def client_reassign(request, pk):
    client = selectors.client_for_reassigning(request.user, pk)
    coaches = selectors.reassign_coaches(request.user)
    form = ReassignForm(request.POST or None, coaches=coaches.order_by("display_name"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reassign(
                actor=request.user,
                client=client,
                new_coach=data["new_coach"],
                reason=data["reason"],
                cancel_upcoming=data["future"] == "cancel",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{client.display_name} now works with {data['new_coach'].display_name}."
            )
            return redirect("coaching:client_history", pk=client.pk)
    status = 400 if form.errors else 200
    context = {"client": client, "form": form}
    return render(request, "coaching/caseloads/reassign.html", context, status=status)


@require_GET
@role_required(*REVIEWERS)
def report(request):
    """The report form; with a valid range, the CSV itself."""
    if "start" not in request.GET:
        context = {
            "form": ReportForm(),
            "episode_months": episode_month_figures(request.user),
            "permissions": selectors.permissions_for(request.user),
        }
        return render(request, "coaching/caseloads/report.html", context)
    form = ReportForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "permissions": selectors.permissions_for(request.user)}
        return render(request, "coaching/caseloads/report.html", context, status=400)
    if not navigation_is_deliberate(request):
        return confirm_open(request)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = report_export(actor=request.user, start=start, end=end)
    response = attachment(
        "", filename=f"caseload-{start}-{end}.csv", content_type="text/csv; charset=utf-8"
    )
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return response
