from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from accounts.pagecache import fresh, later
from accounts.paging import page_of
from accounts.policy import role_required
from accounts.selectors import active_coach_of, clients_of
from sessions_log import selectors, services
from sessions_log.forms import ContactLogForm, SessionForm
from sessions_log.models import Session


@require_GET
@role_required(Role.CLIENT)
def my_sessions(request):
    now = timezone.now()
    # Clients see the next steps of their notes, never the rest of them.
    sessions = (
        selectors.sessions_visible_to(request.user)
        .exclude(status=Session.Status.CANCELLED, starts_at__lt=now)
        .select_related("note")
        .defer("agenda", "note__narrative", "note__client_words", "note__goals")
    )
    # A phone screen of past sessions at a time, newest first.
    past = sessions.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    context = {
        "fresh": fresh(request, Q(pk=request.user.pk)),
        "coach": later(lambda: active_coach_of(request.user)),
        "upcoming": sessions.filter(starts_at__gte=now).order_by("starts_at"),
        "page": later(lambda: page_of(past, request.GET.get("page"), 10)),
    }
    return render(request, "sessions_log/my_sessions.html", context)


@require_GET
@role_required(Role.COACH)
def agenda(request):
    """Today, and the seven days after it, in the coach's own time zone.

    A rolling week, so that on a Sunday tomorrow's sessions still show."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    end = timezone.make_aware(datetime.combine(today + timedelta(days=8), time.min))
    sessions = list(selectors.agenda_of(request.user, start=start, end=end))
    context = {
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
            services.session_schedule(
                actor=coach,
                client=data["client"],
                starts_at=data["starts_at"],
                duration=data["length"],
                modality=data["modality"],
                location=data["location"],
                video_url=data["video_url"],
                agenda=data["agenda"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
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
            session = services.contact_log(
                actor=coach,
                client=data["client"],
                started_at=data["starts_at"],
                duration=data["length"],
                modality=data["modality"],
            )
            services.note_open(actor=coach, session=session)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, "Contact logged. Write the note below.")
            return redirect("sessions_log:session_detail", pk=session.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions_log/contact_log.html", {"form": form}, status=status)


# Service errors are keyed by the service's argument names; show them on the
# form field a person filled in.
_FIELD_FOR = {
    "starts_at": "time",
    "duration": "duration",
    "video_url": "video_url",
    "client": "client",
}


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = _FIELD_FOR.get(field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error)
