"""Recording audit events.

The request id and IP come from the request being served (set by
`RequestContextMiddleware`), so services only say who did what to what.
"""

import contextvars
from dataclasses import dataclass

from django.db import connection

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
    """One event, written now. Through the same one INSERT as a page's
    events (_write): Django's save() built, compiled and read back an id
    nobody uses, a third of the client timeline's selector time. The event
    returned is not reloaded (no pk)."""
    event = _event(actor=actor, action=action, obj=obj, client=client, outcome=outcome)
    _write([_row_of(event)])
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
    """A page, export or feed that shows clients' data records one event
    per view listing every client it shows (`client_ids`; `client` too when
    it is exactly one), with `also` (events of the same request) in the
    same query; nothing when it shows nobody and `also` is empty.

    `shown` is (action, records) pairs, most telling first: the event's
    action is the first part's, and a client shown in several parts is
    listed once, under the first part that showed them; when the parts'
    actions differ, the event keeps each client's (`part_actions`,
    `client_parts`: AuditEvent.kind_of), so "Who viewed my record" tells
    a client on the coach home's notes to finish from one in its caseload.
    A record is a client, a client's id, or anything with a `client_id` (a
    relationship, a session, a flag). The event's object is the client
    when it is one, else none: the page showed them, not a record's
    content. A single `also` event about no client (the trail's own
    "audit_trail.view", an export, a feed read) becomes the page's event
    itself: one row per view."""
    ids, parts, kinds = _clients_in(shown)
    events = list(also)
    if not ids:
        _write([_row_of(event) for event in events])
        return
    if len(events) == 1 and events[0].client_id is None:
        page = events.pop()
    else:
        page = _event(
            actor=actor, action=parts[0], obj=None, client=None, outcome=AuditEvent.Outcome.OK
        )
        page.object_type = User._meta.model_name
    if len(ids) == 1:
        page.client_id = ids[0]
        if not page.object_id:
            page.object_id = str(ids[0])
    page.client_ids = ids
    if parts != [page.action]:
        page.part_actions = parts
        page.client_parts = kinds if len(parts) > 1 else []
    _write([_row_of(event) for event in [*events, page]])


def _clients_in(shown) -> tuple[list[int], list[str], list[int]]:
    """The clients of `shown`, each once in the order shown; the actions of
    the parts that showed any; each client's part (1-based)."""
    ids: list[int] = []
    parts: list[str] = []
    kinds: list[int] = []
    seen: set[int] = set()
    for action, records in shown:
        for record in records:
            client_id = _client_id_of(record)
            if client_id is None or client_id in seen:
                continue
            seen.add(client_id)
            if not parts or parts[-1] != action:
                parts.append(action)
            ids.append(client_id)
            kinds.append(len(parts))
    return ids, parts, kinds


# A client's kind on an event `e` (AuditEvent.kind_of in SQL), for the
# client at position `n` of e.client_ids (NULL when not there: e.action).
KIND_SQL = "COALESCE(e.part_actions[COALESCE(e.client_parts[{n}], 1)], e.action)"


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


# Every column but the id, and the SQL array type each is sent as. The
# array columns travel as their text form, one per row (unnest would
# flatten an array of arrays), and are cast back in the SELECT.
_FIELDS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
_ARRAY_TYPES = {"at": "timestamptz", "actor_id": "bigint", "client_id": "bigint", "ip": "inet"}
_LIST_TYPES = {
    "client_ids": "bigint[]",
    "part_actions": "varchar(64)[]",
    "client_parts": "smallint[]",
}
_INSERT_MANY = (
    "INSERT INTO {table} ({columns}) SELECT {values} FROM unnest({arrays}) AS u({names})".format(  # noqa: S608 - names from the model
        table=connection.ops.quote_name(AuditEvent._meta.db_table),
        columns=", ".join(connection.ops.quote_name(field.column) for field in _FIELDS),
        values=", ".join(
            f"u.c{i}::{_LIST_TYPES[field.column]}" if field.column in _LIST_TYPES else f"u.c{i}"
            for i, field in enumerate(_FIELDS)
        ),
        arrays=", ".join(f"%s::{_ARRAY_TYPES.get(field.column, 'text')}[]" for field in _FIELDS),
        names=", ".join(f"c{i}" for i in range(len(_FIELDS))),
    )
)


def _row_of(event: AuditEvent) -> dict:
    return {field.attname: getattr(event, field.attname) for field in _FIELDS}


def _array_text(values: list) -> str:
    """A list as PostgreSQL's array text ("{1,2}", '{"a.b"}')."""
    quoted = (
        str(value)
        if isinstance(value, int)
        else '"{}"'.format(str(value).replace("\\", "\\\\").replace('"', '\\"'))
        for value in values
    )
    return "{" + ",".join(quoted) + "}"


def _write(rows: list[dict]) -> None:
    """Several events (each a dict of AuditEvent's columns) in one INSERT:
    building models for Django's bulk_create spent more Python on them than
    PostgreSQL spent storing them. Nothing reads their ids back."""
    if not rows:
        return
    columns = [
        [_array_text(row[field.attname]) for row in rows]
        if field.column in _LIST_TYPES
        else [row[field.attname] for row in rows]
        for field in _FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_MANY, columns)


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
