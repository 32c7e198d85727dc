"""Group sessions (H0038-HQ): scheduling one session for several clients,
and the group page, where its coach closes it client by client."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import clients_of
from sessions_log.forms.groups import GroupCloseForm, GroupSessionForm
from sessions_log.selectors.groups import (
    group_for_viewing,
    group_members,
    group_permissions_for,
    open_members,
    visible_group,
)
from sessions_log.services import groups as services

FIELD_FOR = {
    "starts_at": "time",
    "duration": "duration",
    "clients": "clients",
    "client": "clients",
    "video_url": "video_url",
    "place_type": "place_type",
    "service_code": "service_code",
    "funding_programme": "funding_programme",
}
TIME = {"actual_start": "time"}
SCHEDULE_FIELDS = (
    "clients",
    "starts_at",
    "modality",
    "service_code",
    "location",
    "video_url",
    "place_type",
    "funding_programme",
)


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def group_new(request):
    coach = request.user
    form = GroupSessionForm(
        request.POST or None, clients=clients_of(coach), time_zone=coach.time_zone
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.group_schedule(
                actor=coach,
                duration=data["length"],
                **{name: data[name] for name in SCHEDULE_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error, FIELD_FOR)
        else:
            messages.success(request, "Group session scheduled: each client is invited.")
            return redirect("sessions_log:group_detail", pk=group.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions_log/group_form.html", {"form": form}, status=status)


def _close_form(group, user, data=None) -> GroupCloseForm:
    """The booking as the default: its start (the coach's zone) and length,
    no more than the minutes since it started (a session ended early)."""
    members = open_members(group)
    if not members:
        return GroupCloseForm(data, members=[], minutes=0, time_zone=user.time_zone)
    first = members[0]
    start = first.starts_at.astimezone(zoneinfo.ZoneInfo(user.time_zone))
    booked = int(first.duration.total_seconds() // 60)
    elapsed = int((timezone.now() - first.starts_at).total_seconds() // 60)
    initial = {"date": start.date(), "time": start.time().replace(second=0, microsecond=0)}
    return GroupCloseForm(
        data,
        initial=initial,
        members=members,
        minutes=max(1, min(booked, elapsed)),
        time_zone=user.time_zone,
    )


def _group_page(request, pk, *, status=200, close_form=None):
    group = group_for_viewing(request.user, pk)
    members = group.members
    context = {
        "group": group,
        "members": members,
        "first": members[0] if members else None,
        "perms": group_permissions_for(request.user, group),
        "close_form": close_form or _close_form(group, request.user),
    }
    return render(request, "sessions_log/group_detail.html", context, status=status)


@require_GET
@role_required(Role.COACH)
@deliberate_read
def group_detail(request, pk):
    return _group_page(request, pk)


@require_POST
@role_required(Role.COACH)
def group_close(request, pk):
    """Close the group: per client, attended with their minutes, or a no-show
    (refused: the form again, 400, and no client closed)."""
    user = request.user
    group = visible_group(user, pk)
    group.members = list(group_members(user, group))
    form = _close_form(group, user, request.POST)
    if form.is_valid():
        try:
            services.group_close(
                actor=user,
                group=group,
                actual_start=form.cleaned_data["actual_start"],
                outcomes=form.cleaned_data["outcomes"],
            )
        except ValidationError as error:
            # Member fields are named as the service names them; the start is "time".
            add_service_errors(form, error, {name: name for name in form.fields} | TIME)
        else:
            messages.success(request, "Group session closed: now write each client's note.")
            return redirect("sessions_log:group_detail", pk=pk)
    return _group_page(request, pk, status=400, close_form=form)
