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


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    client=None,
    outcome: str = AuditEvent.Outcome.OK,
) -> AuditEvent:
    context = current_request.get()
    if client is None and isinstance(obj, User) and obj.role == Role.CLIENT:
        client = obj
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        client=client,
        outcome=outcome,
        ip=context.ip if context else None,
        request_id=context.request_id if context else "",
    )
