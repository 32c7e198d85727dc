"""Recording audit events.

The request id and IP come from the request being served (set by
`RequestContextMiddleware`), so services only say who did what to what.
"""

import contextvars
from dataclasses import dataclass

from accounts.models import AuditEvent, Role, User


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None


current_request: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "current_request", default=None
)


def _event(*, actor, action, obj, client, outcome) -> AuditEvent:
    context = current_request.get()
    if client is None and isinstance(obj, User) and obj.role == Role.CLIENT:
        client = obj
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        client=client,
        outcome=outcome,
        ip=context.ip if context else None,
        request_id=context.request_id if context else "",
    )


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    client=None,
    outcome: str = AuditEvent.Outcome.OK,
) -> AuditEvent:
    event = _event(actor=actor, action=action, obj=obj, client=client, outcome=outcome)
    event.save()
    return event


def audit_record_many(*, actor, action: str, objects: list) -> None:
    """One event per (obj, client) pair, in one query: for pages that show
    many records at once."""
    AuditEvent.objects.bulk_create(
        [
            _event(
                actor=actor, action=action, obj=obj, client=client, outcome=AuditEvent.Outcome.OK
            )
            for obj, client in objects
        ]
    )


# How an action reads to the person it is about (the client's "who viewed my
# record" page). Actions not listed show as their code.
ACTION_LABELS = {
    "client.view": "Looked at your record",
    "note.read": "Read a session note",
    "note.create": "Started a session note",
    "note.save_draft": "Edited a draft session note",
    "note.sign": "Signed a session note",
    "note.addendum": "Added to a session note",
    "note.cosigned": "Co-signed a session note",
    "note.returned": "Returned a session note to your coach",
    "session.schedule": "Scheduled a session",
    "session.reschedule": "Moved a session",
    "session.cancel": "Cancelled a session",
    "session.completed": "Marked a session completed",
    "session.no_show": "Marked a session missed",
    "session.log_contact": "Logged a contact",
    "session.hand_over": "Moved a session to your new coach",
    "assignment.create": "Started working with you",
    "assignment.reassign": "Changed your coach",
    "trust_flag.acknowledge": "Acknowledged a check-in flag",
    "trust_flag.resolve": "Resolved a check-in flag",
    "supervisor_request.handle": "Took up your request to talk",
    "supervisor_requests.view": "Read your request to talk",
    "report.export": "Exported a report",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
