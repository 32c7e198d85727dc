"""Recording audit events.

The request id and IP come from the request being served (set by
`RequestContextMiddleware`), so services only say who did what to what.
"""

import contextvars
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

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


def audit_event(
    *, actor, action: str, obj=None, client=None, outcome: str = AuditEvent.Outcome.OK
) -> AuditEvent:
    """An event not yet saved: for `audit_clients_shown(also=...)`, so that a
    request writes all its events in one query."""
    return _event(actor=actor, action=action, obj=obj, client=client, outcome=outcome)


def _client_id_of(record) -> int | None:
    if isinstance(record, int):
        return record
    if isinstance(record, User):
        return record.pk if record.role == Role.CLIENT else None
    return getattr(record, "client_id", None)


def audit_clients_shown(*, actor, shown, also=()) -> None:
    """A page, export or feed that shows clients' data records one event per
    client it shows, all in one query (none when it shows nobody and `also`
    is empty).

    `shown` is (action, records) pairs, most telling first: a client shown
    in several parts of the page is recorded once, with the first part's
    action. A record is a client, a client's id, or anything with a
    `client_id` (a relationship, a session, a flag). The event's object is
    the client: the page showed them, not a record's content."""
    context, now = current_request.get(), timezone.now()
    rows, seen = [_row_of(event) for event in also], set()
    for action, records in shown:
        for record in records:
            client_id = _client_id_of(record)
            if client_id is None or client_id in seen:
                continue
            seen.add(client_id)
            rows.append(
                {
                    "at": now,
                    "actor_id": actor.pk if actor is not None else None,
                    "action": action,
                    "object_type": User._meta.model_name,
                    "object_id": str(client_id),
                    "client_id": client_id,
                    "outcome": AuditEvent.Outcome.OK,
                    "ip": context.ip if context else None,
                    "request_id": context.request_id if context else "",
                }
            )
    _write(rows)


# What a client did themselves that their "Who viewed my record" page also
# lists: a calendar feed is read by whoever holds its link, who may not be
# them; a download of their whole record, so a copy made is never unseen.
CLIENT_SEES_OWN = ("calendar_feed.read", "record.download")


def audit_record_many(*, actor, action: str, objects: list) -> None:
    """One event per (obj, client) pair, in one query: for pages that show
    many records at once."""
    _write(
        [
            _row_of(
                _event(
                    actor=actor,
                    action=action,
                    obj=obj,
                    client=client,
                    outcome=AuditEvent.Outcome.OK,
                )
            )
            for obj, client in objects
        ]
    )


# Every column but the id, and the SQL array type each is sent as.
_FIELDS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
_ARRAY_TYPES = {"at": "timestamptz", "actor_id": "bigint", "client_id": "bigint", "ip": "inet"}
_INSERT_MANY = "INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays})".format(  # noqa: S608 - names from the model
    table=connection.ops.quote_name(AuditEvent._meta.db_table),
    columns=", ".join(connection.ops.quote_name(field.column) for field in _FIELDS),
    arrays=", ".join(f"%s::{_ARRAY_TYPES.get(field.column, 'text')}[]" for field in _FIELDS),
)


def _row_of(event: AuditEvent) -> dict:
    return {field.attname: getattr(event, field.attname) for field in _FIELDS}


def _write(rows: list[dict]) -> None:
    """Several events (each a dict of AuditEvent's columns) in one INSERT:
    the pages that show clients write a row per client on every view, and
    building models for Django's bulk_create spent more Python on them than
    PostgreSQL spent storing them. Nothing reads their ids back."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_MANY, [[row[field.attname] for row in rows] for field in _FIELDS])


def audit_admin_edit(*, actor, verb: str, objects: list, fields=()) -> None:
    """An edit in the Django admin site (`verb`: add, change or delete), one
    event per object, in one query; a change writes one event per changed
    field, its name in the action ("admin.change.name"), never its value.
    accounts/audit_admin.py's AuditedAdmin calls it for every ModelAdmin."""
    actions = [f"admin.{verb}.{name}"[:64] for name in fields] or [f"admin.{verb}"]
    _write(
        [
            _row_of(
                _event(
                    actor=actor, action=action, obj=obj, client=None, outcome=AuditEvent.Outcome.OK
                )
            )
            for obj in objects
            for action in actions
        ]
    )


def audit_not_found(*, actor, kind: str, pk) -> AuditEvent:
    """A record `actor` asked for by number and did not get (`kind`: the
    page's URL name): absent and not allowed alike, outcome "denied", about
    no client (the asker may have guessed a number; whose it is stays
    unsaid). accounts/audit_middleware.py calls it for every 404 on a URL
    naming a record."""
    event = _event(
        actor=actor,
        action="record.not_found",
        obj=None,
        client=None,
        outcome=AuditEvent.Outcome.DENIED,
    )
    event.object_type, event.object_id = kind[:64], str(pk)[:64]
    event.save()
    return event
