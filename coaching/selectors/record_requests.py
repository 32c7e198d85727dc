"""Reads of a client's requests about their record (HIPAA 164.524 access,
164.526 amendment), scoped by accounts/policy/record_requests.py.

A client's requests are read through `client_record_requests_for_viewing`,
one through `record_request_for_viewing`, the supervisors' list of open
ones through `open_record_requests_for_viewing`: 404 for what someone may
not see, and the one place each read is audited. Changes take their record
through `record_request_for_change` / `record_client_for_change` (the
acting scope, the row locked).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import Role, User
from accounts.policy.record_requests import record_request_scope, record_request_staff_scope
from accounts.policy.records import session_coach_scope
from coaching.models import RecordRequest
from coaching.models.records import DUE_SOON_DAYS
from coaching.selectors.acting import holds
from common.dates import local_today
from sessions_log.models import Note


def record_requests_visible_to(user: User) -> QuerySet[RecordRequest]:
    return RecordRequest.objects.filter(record_request_scope(user)).select_related(
        "client", "logged_by", "decided_by", "note__session", "addendum"
    )


def _clock(request: RecordRequest, today: date) -> RecordRequest:
    """Days left to answer (negative: overdue), and whether to show it red."""
    request.days_left = (request.due_on - today).days
    request.overdue = request.is_open and request.days_left < 0
    request.urgent = request.is_open and request.days_left <= DUE_SOON_DAYS
    return request


def client_record_requests_for_viewing(user: User, pk: int) -> dict:
    """The requests of the client `pk`, for staff who log and decide them:
    404 for a client outside their scope. Audited "record_requests.view"."""
    client = get_object_or_404(
        User.objects.filter(record_request_staff_scope(user, "pk"), role=Role.CLIENT), pk=pk
    )
    audit_record(actor=user, action="record_requests.view", obj=client, client=client)
    today = local_today(client)
    requests = [
        _clock(request, today)
        for request in record_requests_visible_to(user)
        .filter(client=client)
        .order_by("-received_on", "-pk")
    ]
    notes = signed_notes_of(client)
    return {"client": client, "requests": requests, "notes": notes}


def signed_notes_of(client: User) -> QuerySet[Note]:
    """The signed notes an amendment may name."""
    return (
        Note.objects.filter(session__client=client, signed_at__isnull=False)
        .select_related("session", "author")
        .order_by("-session__starts_at")
    )


def record_request_for_viewing(user: User, pk: int) -> RecordRequest:
    """One request: 404 for one `user` may not see (a client sees theirs on
    "My record"; this page is for staff). Audited "record_request.view"."""
    request = get_object_or_404(
        record_requests_visible_to(user)
        .filter(record_request_staff_scope(user))
        .annotate(may_accept=holds(_accept_scope(user))),
        pk=pk,
    )
    audit_record(actor=user, action="record_request.view", obj=request, client=request.client)
    return _clock(request, local_today(request.client))


def _accept_scope(user: User):
    """Requests whose amendment `user` may accept: the note's own coach, the
    client still theirs (note_author_scope, stated through the request's
    note), as addendum_add requires."""
    return session_coach_scope(user, "note__session__")


def open_record_requests_for_viewing(user: User) -> list[RecordRequest]:
    """The open requests of the clients `user` sees as staff (a supervisor,
    their team's), soonest due first, with days left. Audited: one
    "record_requests.list" per client shown."""
    requests = list(
        record_requests_visible_to(user)
        .filter(record_request_staff_scope(user), decision="")
        .order_by("due_on", "pk")
    )
    audit_clients_shown(actor=user, shown=[("record_requests.list", requests)])
    return [_clock(request, local_today(request.client)) for request in requests]


def record_request_for_change(user: User, pk: int) -> RecordRequest:
    """The request `pk`, its row locked, if `user` logs and decides the
    client's requests. PermissionDenied otherwise."""
    request = (
        RecordRequest.objects.select_for_update(of=("self",))
        .select_related("client", "note")
        .filter(record_request_staff_scope(user), pk=pk)
        .first()
    )
    if request is None:
        raise PermissionDenied
    return request


def record_client_for_change(user: User, pk: int) -> User:
    """The client `pk`, their row locked, if `user` logs their requests."""
    client = (
        User.objects.select_for_update()
        .filter(record_request_staff_scope(user, "pk"), role=Role.CLIENT, pk=pk)
        .first()
    )
    if client is None:
        raise PermissionDenied
    return client


@dataclass(frozen=True)
class RecordRequestPermissions:
    can_log: bool
    can_decide: bool
    can_accept: bool


def permissions_for(user: User, record=None) -> RecordRequestPermissions:
    """For a client (User) or a request: what `user` may do there. A request
    read through record_request_for_viewing carries `may_accept`."""
    staff = user.is_active and user.role in (Role.COACH, Role.SUPERVISOR)
    is_request = isinstance(record, RecordRequest)
    return RecordRequestPermissions(
        can_log=staff and not is_request,
        can_decide=staff and is_request and record.is_open,
        can_accept=bool(is_request and record.is_open and getattr(record, "may_accept", False)),
    )
