"""Notes, from the session page's forms (open, draft, sign, addenda, review),
the coach's notes to finish and the supervisor's co-sign queue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from sessions_log import hooks
from sessions_log.forms import AddendumForm, NoteForm, ReviewForm
from sessions_log.selectors.notes import notes_to_finish_page, visible_note
from sessions_log.selectors.review_queue_sql import review_queue_for_viewing
from sessions_log.selectors.sessions import visible_session
from sessions_log.services import notes as services
from sessions_log.views.sessions import note_form_for, session_page, submit_form


@require_POST
@role_required(Role.COACH)
def note_open(request, pk):
    """Open the note of a closed session (`pk` is the session's)."""
    session = visible_session(request.user, pk)
    try:
        services.note_open(actor=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("sessions_log:session_detail", pk=pk)


def _draft_form(note, data) -> NoteForm:
    """The draft's form for an autosave: the fields it saves, checked
    against what was read with the note (note_draft_for_change), without
    the billing preview (signing's, not a draft's)."""
    form = NoteForm(data, service_names=note.service_names)
    form.fields.update(hooks.note_goals.form_fields(note))
    return form


@require_POST
@role_required(Role.COACH)
def note_draft(request, pk):
    """Saves the draft: htmx autosaves while typing; without JS, the button."""
    note, form, saved = services.note_draft_autosave(
        actor=request.user, pk=pk, data=request.POST, form_for=_draft_form
    )
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
    # Shown again with what signing needs too (the daily cap's reason).
    shown = note_form_for(visible_note(request.user, pk), request.POST)
    if shown.is_valid() or not shown.non_field_errors():
        for error in form.non_field_errors():  # the service's refusal
            shown.add_error(None, error)
    return session_page(request, note.session_id, status=400, note_form=shown)


@require_POST
@role_required(Role.COACH)
def note_sign(request, pk):
    note = visible_note(request.user, pk)

    def save_and_sign(data):
        services.note_save_draft(actor=request.user, note=note, **data)
        services.note_sign(
            actor=request.user, note=note, over_cap_reason=data.get("over_cap_reason", "")
        )

    return submit_form(
        request,
        note.session_id,
        note_form_for(note, request.POST),
        "note_form",
        save_and_sign,
        "Note signed. It can no longer be edited.",
    )


@require_POST
@role_required(Role.COACH)
def addendum_add(request, pk):
    note = visible_note(request.user, pk)
    return submit_form(
        request,
        note.session_id,
        AddendumForm(request.POST, time_zone=request.user.time_zone),
        "addendum_form",
        lambda data: services.addendum_add(
            actor=request.user,
            note=note,
            text=data["text"],
            corrected_start=data["corrected_start"],
            corrected_minutes=data["corrected_minutes"],
        ),
        "Addendum signed and added.",
    )


@require_GET
@role_required(Role.COACH)
@deliberate_read
def notes_to_finish(request):
    context = notes_to_finish_page(request.user, request.GET.get("page"))
    return render(request, "sessions_log/notes_to_finish.html", context)


@require_GET
@role_required(Role.SUPERVISOR)
@deliberate_read
def review_queue(request):
    context = review_queue_for_viewing(request.user, request.GET.get("page"))
    return render(request, "sessions_log/review_queue.html", context)


@require_POST
@role_required(Role.SUPERVISOR)
def note_review(request, pk):
    note = visible_note(request.user, pk)
    return submit_form(
        request,
        note.session_id,
        ReviewForm(request.POST),
        "review_form",
        lambda data: services.note_review(actor=request.user, note=note, **data),
        "Review recorded.",
        then=reverse("sessions_log:review_queue"),
    )
