"""Session detail, session actions, notes and the supervisor's review queue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import audit_clients_shown, audit_record
from accounts.forms import add_service_errors
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from common.paging import page_of
from sessions_log import hooks, selectors
from sessions_log.forms import (
    AddendumForm,
    CancelForm,
    NoteForm,
    RescheduleForm,
    ReviewForm,
    SessionBillingForm,
    over_cap_reason_field,
)
from sessions_log.models import ServiceType, Session
from sessions_log.services import notes as services
from sessions_log.services import sessions as session_services
from sessions_log.views.sessions import BILLING_FIELDS, FIELD_FOR

STAFF = (Role.COACH, Role.SUPERVISOR)


def _service_names() -> list[str]:
    return list(ServiceType.objects.filter(active=True).values_list("name", flat=True))


def _note_form(note, data=None, bill=None):
    initial = None
    if note is not None:
        initial = {name: getattr(note, name) for name in NoteForm.base_fields}
    form = NoteForm(data, initial=initial, service_names=_service_names())
    if note is not None and not note.is_signed:
        # The client's plan goals, to tick those the session worked on.
        form.fields.update(hooks.note_goals.form_fields(note))
        if bill is None:
            bill = selectors.billing_preview(note.session)
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


def _detail(request, session, *, status=200, **forms):
    user = request.user
    # Through the policy, like the session: a successor coach reads an
    # earlier coach's signed note (continuity of care), never a draft, the
    # private agenda or the supervisors' reviews (accounts/policy.py).
    note = selectors.notes_visible_to(user).filter(session=session).first()
    if note is not None:
        services.note_read(actor=user, note=note)
    else:
        # Without a note the page still shows the session: when, how, status.
        audit_record(actor=user, action="session.view", obj=session, client=session.client)
    # The session came through the user's own scope: its state says the rest.
    in_queue = (
        note is not None
        and user.role == Role.SUPERVISOR
        and session.note_state == Session.NoteState.AWAITING_COSIGN
    )
    is_coach = user.pk == session.coach_id
    signed = note is not None and note.is_signed
    # What signing will bill (units, the daily cap) while the coach writes.
    bill = selectors.billing_preview(session) if is_coach and note and not signed else None
    context = {
        "bill": bill,
        "can_bill": is_coach and session.status != "cancelled" and not signed,
        "billing_form": forms.get("billing_form") or _billing_form(session),
        "session": session,
        "agenda": selectors.session_agenda(user, session),
        "note": note,
        "addenda": list(note.addenda.all()) if note else [],
        "plan_goals": hooks.note_goals.shown(note, user) if note and note.is_signed else [],
        "reviews": list(selectors.note_reviews_visible_to(user).filter(note=note)) if note else [],
        "is_coach": is_coach,
        "can_close": is_coach
        and session.status == "scheduled"
        and session.starts_at <= timezone.now(),
        "can_change": is_coach and session.status == "scheduled",
        "in_queue": in_queue,
        "note_form": forms.get("note_form") or (_note_form(note, bill=bill) if is_coach else None),
        "addendum_form": forms.get("addendum_form") or AddendumForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "reschedule_form": forms.get("reschedule_form") or RescheduleForm(time_zone=user.time_zone),
    }
    return render(request, "sessions_log/session_detail.html", context, status=status)


def _session(request, pk) -> Session:
    sessions = selectors.sessions_visible_to(request.user)
    return get_object_or_404(sessions.select_related("service_code", "funding_programme"), pk=pk)


@require_GET
@role_required(*STAFF)
@deliberate_read
def session_detail(request, pk):
    return _detail(request, _session(request, pk))


@require_POST
@role_required(Role.COACH)
def session_close(request, pk):
    session = _session(request, pk)
    try:
        session_services.session_close(
            actor=request.user, session=session, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Session closed: now write the note.")
    return redirect("sessions_log:session_detail", pk=pk)


def _submit(request, session, form, form_name, action, success, then=None):
    """The shape of every form on the session page: valid input goes to a
    service; its refusal shows on the form (400), success on the page."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, FIELD_FOR)
        else:
            messages.success(request, success)
            return redirect(then or reverse("sessions_log:session_detail", args=[session.pk]))
    return _detail(request, session, status=400, **{form_name: form})


@require_POST
@role_required(Role.COACH)
def session_cancel(request, pk):
    session = _session(request, pk)
    return _submit(
        request,
        session,
        CancelForm(request.POST),
        "cancel_form",
        lambda data: session_services.session_cancel(
            actor=request.user, session=session, reason=data["reason"]
        ),
        "Session cancelled.",
    )


@require_POST
@role_required(Role.COACH)
def session_reschedule(request, pk):
    session = _session(request, pk)
    return _submit(
        request,
        session,
        RescheduleForm(request.POST, time_zone=request.user.time_zone),
        "reschedule_form",
        lambda data: session_services.session_reschedule(
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
    session = _session(request, pk)
    return _submit(
        request,
        session,
        _billing_form(session, request.POST),
        "billing_form",
        lambda data: session_services.session_billing_set(
            actor=request.user, session=session, **{name: data[name] for name in BILLING_FIELDS}
        ),
        "Billing details saved.",
    )


@require_POST
@role_required(Role.COACH)
def note_open(request, pk):
    session = _session(request, pk)
    try:
        services.note_open(actor=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("sessions_log:session_detail", pk=pk)


def _note(request, pk):
    return get_object_or_404(selectors.notes_visible_to(request.user), pk=pk)


@require_POST
@role_required(Role.COACH)
def note_draft(request, pk):
    """Saves the draft: htmx autosaves while typing; without JS, the button."""
    note = _note(request, pk)
    form = _note_form(note, request.POST)
    saved = False
    if form.is_valid():
        try:
            services.note_save_draft(actor=request.user, note=note, **form.cleaned_data)
            saved = True
        except ValidationError as error:
            form.add_error(None, error)
    if request.headers.get("HX-Request"):
        # Always 200: htmx leaves the page alone on 4xx, and the status line
        # must say "Not saved" rather than keep an old "Draft saved".
        status_html = render_to_string(
            "sessions_log/includes/autosave_status.html",
            {"saved": saved, "at": timezone.now(), "form": form},
        )
        return HttpResponse(status_html)
    if not saved and form.non_field_errors():
        # A signed note shows no form, so say it where every page shows news.
        messages.error(request, " ".join(form.non_field_errors()))
    if saved:
        messages.success(request, "Draft saved.")
        return redirect("sessions_log:session_detail", pk=note.session_id)
    return _detail(request, note.session, status=400, note_form=form)


@require_POST
@role_required(Role.COACH)
def note_sign(request, pk):
    note = _note(request, pk)

    def save_and_sign(data):
        services.note_save_draft(actor=request.user, note=note, **data)
        services.note_sign(
            actor=request.user, note=note, over_cap_reason=data.get("over_cap_reason", "")
        )

    return _submit(
        request,
        note.session,
        _note_form(note, request.POST),
        "note_form",
        save_and_sign,
        "Note signed. It can no longer be edited.",
    )


@require_POST
@role_required(Role.COACH)
def addendum_add(request, pk):
    note = _note(request, pk)
    return _submit(
        request,
        note.session,
        AddendumForm(request.POST),
        "addendum_form",
        lambda data: services.addendum_add(actor=request.user, note=note, text=data["text"]),
        "Addendum signed and added.",
    )


@require_GET
@role_required(Role.COACH)
@deliberate_read
def notes_to_finish(request):
    page = page_of(selectors.notes_to_finish(request.user), request.GET.get("page"))
    audit_clients_shown(actor=request.user, shown=[("notes_to_finish.list", page.object_list)])
    context = {"page": page, "now": timezone.now()}
    return render(request, "sessions_log/notes_to_finish.html", context)


@require_GET
@role_required(Role.SUPERVISOR)
@deliberate_read
def review_queue(request):
    page = page_of(selectors.review_queue(request.user), request.GET.get("page"))
    audit_clients_shown(actor=request.user, shown=[("review_queue.list", page.object_list)])
    context = {"page": page}
    return render(request, "sessions_log/review_queue.html", context)


@require_POST
@role_required(Role.SUPERVISOR)
def note_review(request, pk):
    note = _note(request, pk)
    return _submit(
        request,
        note.session,
        ReviewForm(request.POST),
        "review_form",
        lambda data: services.note_review(actor=request.user, note=note, **data),
        "Review recorded.",
        then=reverse("sessions_log:review_queue"),
    )
