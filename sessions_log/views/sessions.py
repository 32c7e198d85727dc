"""The coach's agenda, scheduling a session, logging a past contact, and the
session page with the forms on it (close, cancel, move, billing)."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import clients_of
from sessions_log import billing, hooks
from sessions_log.forms import (
    AddendumForm,
    CancelForm,
    CloseForm,
    ContactLogForm,
    NoteForm,
    RescheduleForm,
    ReviewForm,
    SessionBillingForm,
    SessionForm,
    over_cap_reason_field,
)
from sessions_log.models import ServiceType, Session
from sessions_log.selectors.billing import billing_preview
from sessions_log.selectors.notes import note_reviews_visible_to
from sessions_log.selectors.sessions import (
    agenda_page,
    permissions_for,
    session_agenda,
    session_for_viewing,
    visible_session,
)
from sessions_log.services import sessions as services
from sessions_log.services.notes import note_open

STAFF = (Role.COACH, Role.SUPERVISOR)

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
    "actual_start": "time",
    "minutes_spent": "minutes_spent",
    "corrected_start": "corrected_time",
    "corrected_minutes": "corrected_minutes",
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
    page = agenda_page(request.user, start=start, end=end)
    sessions = page.pop("sessions")
    context = {
        **page,
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
            session = services.contact_log(
                actor=coach,
                client=data["client"],
                started_at=data["starts_at"],
                duration=data["length"],
                minutes_spent=data["duration"],
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
    context = {"form": form, "unit": unit_preview(form["duration"].value())}
    return render(request, "sessions_log/contact_log.html", context, status=status)


def unit_preview(minutes, programme=None) -> dict:
    """The units `minutes` give on their own, for the close and contact
    forms (the page's script recomputes them as the coach types)."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = None
    return {
        "minutes": minutes,
        "units": billing.units_for(minutes) if minutes and minutes > 0 else 0,
        "size": settings.BILLING_UNIT_MINUTES,
        "threshold": settings.BILLING_UNIT_THRESHOLD_MINUTES,
        "programme": programme,
    }


def _time_spent(session, addenda) -> dict:
    """The actual start and minutes the session bills: the latest correction
    by addendum, else what the coach confirmed when closing or logging it."""
    corrections = [addendum for addendum in addenda if addendum.is_correction]
    if corrections:
        latest = max(corrections, key=lambda addendum: (addendum.signed_at, addendum.pk))
        return {
            "start": latest.corrected_start,
            "minutes": latest.corrected_minutes,
            "corrected": True,
        }
    return {"start": session.actual_start, "minutes": session.minutes_spent, "corrected": False}


def _close_form(session, user, data=None) -> CloseForm:
    """The booking as the default: its start (the coach's zone) and length,
    no more than the minutes since it started (a session closed early)."""
    start = session.starts_at.astimezone(zoneinfo.ZoneInfo(user.time_zone))
    booked = int(session.duration.total_seconds() // 60)
    elapsed = int((timezone.now() - session.starts_at).total_seconds() // 60)
    initial = {
        "date": start.date(),
        "time": start.time().replace(second=0, microsecond=0),
        "minutes_spent": max(1, min(booked, elapsed)),
    }
    return CloseForm(data, initial=initial, time_zone=user.time_zone)


# ------------------------------------------------------------ the session page


def _service_names() -> list[str]:
    return list(ServiceType.objects.filter(active=True).values_list("name", flat=True))


def note_form_for(note, data=None, bill=None) -> NoteForm:
    """The note's form: its fields, the plan goals to tick on a draft, and
    the reason to give when signing goes over the daily cap."""
    initial = None
    if note is not None:
        initial = {name: getattr(note, name) for name in NoteForm.base_fields}
    form = NoteForm(data, initial=initial, service_names=_service_names())
    if note is not None and not note.is_signed:
        # The client's plan goals, to tick those the session worked on.
        form.fields.update(hooks.note_goals.form_fields(note))
        if bill is None:
            bill = billing_preview(note.session)
        if bill["over"]:
            form.fields["over_cap_reason"] = over_cap_reason_field(bill)
    return form


def _billing_form(session, data=None):
    initial = {
        "place_type": session.place_type,
        "service_code": session.service_code_id,
        "funding_programme": session.funding_programme_id,
    }
    return SessionBillingForm(data, initial=initial)


def session_page(request, pk, *, status=200, **forms):
    """The session page (also shown again, with status 400, after a form on
    it was refused): the session and the note `request.user` may read
    (session_for_viewing writes the read-audit row), and the forms their
    permissions offer."""
    user = request.user
    session = session_for_viewing(user, pk)
    note = session.shown_note
    perms = permissions_for(user, session, note)
    signed = note is not None and note.is_signed
    # What signing will bill (units, the daily cap) while the coach writes.
    bill = billing_preview(session) if perms.can_coach and note and not signed else None
    note_form = forms.get("note_form")
    if note_form is None and perms.can_coach:
        note_form = note_form_for(note, bill=bill)
    addenda = list(note.addenda.all()) if note else []
    close_form = forms.get("close_form") or _close_form(session, user)
    context = {
        "perms": perms,
        "bill": bill,
        "close_form": close_form,
        "close_unit": unit_preview(close_form["minutes_spent"].value(), session.funding_programme),
        "billing_form": forms.get("billing_form") or _billing_form(session),
        "session": session,
        "agenda": session_agenda(user, session),
        "note": note,
        "addenda": addenda,
        "time_spent": _time_spent(session, addenda),
        "plan_goals": hooks.note_goals.shown(note, user) if note and note.is_signed else [],
        "reviews": list(note_reviews_visible_to(user).filter(note=note)) if note else [],
        "note_form": note_form,
        "addendum_form": forms.get("addendum_form") or AddendumForm(time_zone=user.time_zone),
        "review_form": forms.get("review_form") or ReviewForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "reschedule_form": forms.get("reschedule_form") or RescheduleForm(time_zone=user.time_zone),
    }
    return render(request, "sessions_log/session_detail.html", context, status=status)


def submit_form(request, session_pk, form, form_name, action, success, then=None):
    """The shape of every form on the session page: valid input goes to a
    service; its refusal shows on the form (400), success on the page."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, FIELD_FOR)
        else:
            messages.success(request, success)
            return redirect(then or reverse("sessions_log:session_detail", args=[session_pk]))
    return session_page(request, session_pk, status=400, **{form_name: form})


@require_GET
@role_required(*STAFF)
@deliberate_read
def session_detail(request, pk):
    return session_page(request, pk)


@require_POST
@role_required(Role.COACH)
def session_close(request, pk):
    """Close as a no-show, or as completed with the actual start and the
    minutes spent the coach confirmed (refused: the form again, 400)."""
    session = visible_session(request.user, pk)
    if request.POST.get("status") == Session.Status.COMPLETED:
        return submit_form(
            request,
            session.pk,
            _close_form(session, request.user, request.POST),
            "close_form",
            lambda data: services.session_close(
                actor=request.user,
                session=session,
                status=Session.Status.COMPLETED,
                actual_start=data["actual_start"],
                minutes_spent=data["minutes_spent"],
            ),
            "Session closed: now write the note.",
        )
    try:
        services.session_close(
            actor=request.user, session=session, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Session closed: now write the note.")
    return redirect("sessions_log:session_detail", pk=pk)


@require_POST
@role_required(Role.COACH)
def session_cancel(request, pk):
    session = visible_session(request.user, pk)
    return submit_form(
        request,
        session.pk,
        CancelForm(request.POST),
        "cancel_form",
        lambda data: services.session_cancel(
            actor=request.user, session=session, reason=data["reason"]
        ),
        "Session cancelled.",
    )


@require_POST
@role_required(Role.COACH)
def session_reschedule(request, pk):
    session = visible_session(request.user, pk)
    return submit_form(
        request,
        session.pk,
        RescheduleForm(request.POST, time_zone=request.user.time_zone),
        "reschedule_form",
        lambda data: services.session_reschedule(
            actor=request.user,
            session=session,
            starts_at=data["starts_at"],
            duration=data["length"],
        ),
        "Session moved.",
    )


@require_POST
@role_required(Role.COACH)
def session_billing(request, pk):
    session = visible_session(request.user, pk)
    return submit_form(
        request,
        session.pk,
        _billing_form(session, request.POST),
        "billing_form",
        lambda data: services.session_billing_set(
            actor=request.user, session=session, **{name: data[name] for name in BILLING_FIELDS}
        ),
        "Billing details saved.",
    )
