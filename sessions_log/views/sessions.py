"""The coach's agenda, scheduling a session and logging a past contact."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import audit_clients_shown
from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import clients_of
from sessions_log import selectors
from sessions_log.forms import ContactLogForm, SessionForm
from sessions_log.services.notes import note_open
from sessions_log.services.sessions import contact_log as log_contact
from sessions_log.services.sessions import session_schedule

# Service errors are keyed by the service's argument names; show them on the
# form field a person filled in.
FIELD_FOR = {
    "starts_at": "time",
    "duration": "duration",
    "video_url": "video_url",
    "client": "client",
    "place_type": "place_type",
    "service_code": "service_code",
    "funding_programme": "funding_programme",
    "over_cap_reason": "over_cap_reason",
}
BILLING_FIELDS = ("place_type", "service_code", "funding_programme")


@require_GET
@role_required(Role.COACH)
@deliberate_read
def agenda(request):
    """Today, and the seven days after it, in the coach's own time zone.

    A rolling week, so that on a Sunday tomorrow's sessions still show."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    end = timezone.make_aware(datetime.combine(today + timedelta(days=8), time.min))
    sessions = list(selectors.agenda_of(request.user, start=start, end=end))
    notes = selectors.notes_to_finish_summary(request.user)
    audit_clients_shown(
        actor=request.user,
        shown=[("agenda.list", sessions), ("notes_to_finish.list", notes["notes_to_finish"])],
    )
    context = {
        **notes,
        "today": [s for s in sessions if s.starts_at < tomorrow],
        "next_days": [s for s in sessions if s.starts_at >= tomorrow],
    }
    return render(request, "sessions_log/agenda.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def session_new(request):
    coach = request.user
    form = SessionForm(request.POST or None, clients=clients_of(coach), time_zone=coach.time_zone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session_schedule(
                actor=coach,
                client=data["client"],
                starts_at=data["starts_at"],
                duration=data["length"],
                modality=data["modality"],
                location=data["location"],
                video_url=data["video_url"],
                agenda=data["agenda"],
                **{name: data[name] for name in BILLING_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error, FIELD_FOR)
        else:
            messages.success(request, "Session scheduled.")
            return redirect("sessions_log:agenda")
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions_log/session_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def contact_log(request):
    """Record a contact that already happened and open its note in one step."""
    coach = request.user
    form = ContactLogForm(
        request.POST or None, clients=clients_of(coach), time_zone=coach.time_zone
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = log_contact(
                actor=coach,
                client=data["client"],
                started_at=data["starts_at"],
                duration=data["length"],
                modality=data["modality"],
                **{name: data[name] for name in BILLING_FIELDS},
            )
            note_open(actor=coach, session=session)
        except ValidationError as error:
            add_service_errors(form, error, FIELD_FOR)
        else:
            messages.success(request, "Contact logged. Write the note below.")
            return redirect("sessions_log:session_detail", pk=session.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions_log/contact_log.html", {"form": form}, status=status)
