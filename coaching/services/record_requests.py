"""Staff log a client's request for a copy of their record (HIPAA 45 CFR
164.524) or for an amendment (164.526), and decide it within 30 days.

Who writes what: any staff member who sees the client (their coach, their
team's supervisors) logs a request, records a copy given, or denies an
amendment with its basis and the client's statement of disagreement. An
amendment is accepted by the coach who wrote the note and still works
with the client: the amendment is an addendum to that note, written
through `addendum_add`, signed by them. A supervisor who agrees with the
client asks that coach to accept it.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from coaching.models import RecordRequest
from coaching.models.records import due_on_for
from coaching.selectors.record_requests import (
    record_client_for_change,
    record_request_for_change,
)
from common.dates import local_today
from sessions_log.models import Note
from sessions_log.services.notes import addendum_add


@transaction.atomic
def record_request_log(
    *,
    actor: User,
    client: User,
    kind: str,
    received_on: date,
    asked: str,
    note: Note | None = None,
) -> RecordRequest:
    """A request as the client made it (in person, by letter, by phone),
    with its due date: 30 days after it was received."""
    client = record_client_for_change(actor, client.pk)
    asked = (asked or "").strip()
    errors = {}
    if kind not in RecordRequest.Kind.values:
        errors["kind"] = _("Choose a copy of the record or a change to it.")
    if received_on is None:
        errors["received_on"] = _("Give the day the request was received.")
    elif received_on > local_today(client):
        errors["received_on"] = _("The day it was received cannot be in the future.")
    if not asked:
        errors["asked"] = _("Say what the client asked for.")
    if kind == RecordRequest.Kind.AMENDMENT:
        if note is None:
            errors["note"] = _("Choose the signed note the client wants changed.")
        elif not Note.objects.filter(
            pk=note.pk, session__client=client, signed_at__isnull=False
        ).exists():
            errors["note"] = _("Choose one of this client's signed notes.")
    elif note is not None:
        errors["note"] = _("A request for a copy names no note.")
    if errors:
        raise ValidationError(errors)
    request = RecordRequest.objects.create(
        client=client,
        kind=kind,
        received_on=received_on,
        due_on=due_on_for(received_on),
        asked=asked,
        note=note if kind == RecordRequest.Kind.AMENDMENT else None,
        logged_by=actor,
    )
    audit_record(actor=actor, action="record_request.log", obj=request, client=client)
    return request


@transaction.atomic
def record_request_decide(
    *,
    actor: User,
    request: RecordRequest,
    decision: str,
    amendment: str = "",
    denial_reason: str = "",
    disagreement: str = "",
) -> RecordRequest:
    """Close an open request: a copy given ("done"); an amendment accepted
    (its text becomes an addendum to the note, by the note's coach) or
    denied (why, and the client's statement of disagreement if they gave
    one: both kept with the record and in the client's download)."""
    request = record_request_for_change(actor, request.pk)
    if not request.is_open:
        raise ValidationError(_("This request was already decided."))
    allowed = (
        [RecordRequest.Decision.DONE]
        if request.kind == RecordRequest.Kind.ACCESS
        else [RecordRequest.Decision.ACCEPTED, RecordRequest.Decision.DENIED]
    )
    if decision not in allowed:
        raise ValidationError({"decision": _("Choose one of the decisions offered.")})
    if decision == RecordRequest.Decision.ACCEPTED:
        if not amendment.strip():
            raise ValidationError({"amendment": _("Write the amendment to add to the note.")})
        try:
            request.addendum = addendum_add(
                actor=actor,
                note=request.note,
                text=f"Amendment at the client's request: {amendment.strip()}",
            )
        except PermissionDenied:
            raise ValidationError(
                _(
                    "Only the coach who wrote the note, still working with the client, "
                    "adds an accepted amendment to it."
                )
            ) from None
    if decision == RecordRequest.Decision.DENIED:
        if not denial_reason.strip():
            raise ValidationError({"denial_reason": _("Say why the amendment is denied.")})
        request.denial_reason = denial_reason.strip()
        request.disagreement = disagreement.strip()
    request.decision = decision
    request.decided_on = local_today(request.client)
    request.decided_by = actor
    request.save(
        update_fields=[
            "decision",
            "decided_on",
            "decided_by",
            "addendum",
            "denial_reason",
            "disagreement",
        ]
    )
    audit_record(actor=actor, action="record_request.decide", obj=request, client=request.client)
    return request
