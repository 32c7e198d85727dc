"""The audit trail (admins: everything; supervisors: their team's), and a
client's "Who viewed my record"."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from accounts.audit import CLIENT_SEES_OWN, KIND_SQL, audit_clients_shown, audit_event
from accounts.models import STAFF_ROLES, AuditEvent, User
from accounts.policy import audit_scope
from accounts.policy.pages import sees_whole_audit_trail
from accounts.policy.relationships import clients_visible_to, private_request_scope
from accounts.policy.reviews import runs_compliance_reviews
from common.paging import Page as ListPage
from common.paging import page_of

# The events about a private request to talk with a supervisor (asked,
# read, taken up, done) name it as their object.
PRIVATE_REQUEST = "supervisorrequest"


def _private_requests_visible_to(user: User):
    """The ids (as the trail's text object ids) of the private requests
    `user` may read now (policy.private_request_scope: the supervisors of the
    coach's team, never the coach it is about, nor an admin). The model is
    coaching's, named here by its label: accounts sits below coaching."""
    requests = apps.get_model("coaching", "SupervisorRequest").objects
    return requests.filter(private_request_scope(user)).values_list(
        Cast("pk", CharField()), flat=True
    )


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """policy.audit_scope, and a private request's events only to who may
    read the request itself (a coach promoted to supervise their team never
    learns that a client of theirs asked to talk about them)."""
    private = ~Q(object_type=PRIVATE_REQUEST) | Q(object_id__in=_private_requests_visible_to(user))
    return (
        AuditEvent.objects.filter(audit_scope(user), private)
        .select_related("actor", "client")
        .order_by("-at", "-pk")
    )


def audit_trail_page_for_viewing(user: User, events: QuerySet[AuditEvent], number) -> Page:
    """Page `number` of `events` (audit_events_visible_to, filtered), each
    event's `clients_named`: the names of the clients a page's event listed
    that `user` may see (a supervisor, their team's; an admin, all). The
    reading is itself audited, as one "audit_trail.view" event listing
    every client named on the page (kind "audit_trail.list": their "Who
    viewed my record" says an event about them was seen). The names take
    one query, whatever the page's size."""
    page = Paginator(events, 50).get_page(number)
    listed = {pk for event in page.object_list for pk in event.client_ids}
    # A query even when nobody is listed (no id is 0): a fixed count.
    may_see = User.objects.filter(pk__in=sorted(listed) or [0])
    if not sees_whole_audit_trail(user):
        may_see = may_see.filter(pk__in=clients_visible_to(user).values("pk"))
    names = dict(may_see.values_list("pk", "display_name"))
    named = []
    for event in page.object_list:
        event.clients_named = [names[pk] for pk in event.client_ids if pk in names]
        named.extend([event.client_id] if event.client_id else [])
        named.extend(pk for pk in event.client_ids if pk in names)
    audit_clients_shown(
        actor=user,
        shown=[("audit_trail.list", named)],
        also=[audit_event(actor=user, action="audit_trail.view")],
    )
    return page


def record_views_for_viewing(client: User) -> QuerySet[AuditEvent]:
    """What staff did with a client's record, and the few events of their own
    they are shown beside it (their calendar feed read): for the client to
    see. Their own reading is not recorded (it is their record)."""
    by_staff = Q(actor__role__in=STAFF_ROLES)
    own = Q(actor=client, action__in=CLIENT_SEES_OWN)
    return (
        AuditEvent.objects.filter(AuditEvent.about(client.pk), by_staff | own)
        .select_related("actor")
        .order_by("-at", "-pk")
    )


@dataclass(frozen=True)
class TrailPermissions:
    # Every event and every IP (admins), or a team's, with staff IPs only.
    sees_whole_trail: bool
    # Exporting the trail and breach reports (policy.reviews).
    runs_reviews: bool


def permissions_for(user: User, event: AuditEvent | None = None) -> TrailPermissions:
    return TrailPermissions(
        sees_whole_trail=sees_whole_audit_trail(user), runs_reviews=runs_compliance_reviews(user)
    )


# ------------------------------------------- "Who viewed my record", grouped

# One line per (viewer, what they did, day in the client's time zone). First
# the events of one request (one page shown, one form sent) become one read,
# whatever the number of parts that audited it (the flags inbox shows a flag
# and a private request; a person's page their account and payer details);
# then a viewer's repeated reads of the same kind on one day become one line
# with how many times, the first and the last (a calendar app polls a feed
# every few minutes). The audit trail keeps every event. A page's event
# lists its clients (client_ids, GIN-indexed) and names what it showed of
# each (KIND_SQL): the line says what the page showed of this client.
_LINES = """
WITH reads AS (
    SELECT e.actor_id, min(e.at) AS at,
           array_agg(DISTINCT {kind} ORDER BY {kind}) AS actions
    FROM {events} e LEFT JOIN {users} u ON u.id = e.actor_id
    WHERE (e.client_id = %(client)s OR e.client_ids @> ARRAY[%(client)s]::bigint[])
      AND (u.role = ANY(%(staff)s) OR (e.actor_id = %(client)s AND e.action = ANY(%(own)s)))
    GROUP BY e.actor_id, CASE WHEN e.request_id = '' THEN e.id::text ELSE e.request_id END
)
SELECT actor_id, actions, count(*), min(at), max(at)
FROM reads
GROUP BY actor_id, actions, (at AT TIME ZONE %(zone)s)::date
ORDER BY max(at) DESC, actor_id, actions
LIMIT %(limit)s OFFSET %(offset)s
"""


@dataclass(frozen=True)
class RecordViewLine:
    actor: User | None
    actions: list[str]
    times: int
    first: datetime
    last: datetime


class _Lines:
    """The client's lines, newest first, read a slice at a time (page_of)."""

    def __init__(self, client: User):
        self.client = client

    def __getitem__(self, window: slice) -> list[RecordViewLine]:
        sql = _LINES.format(
            events=connection.ops.quote_name(AuditEvent._meta.db_table),
            users=connection.ops.quote_name(User._meta.db_table),
            kind=KIND_SQL.format(n="array_position(e.client_ids, %(client)s::bigint)"),
        )
        params = {
            "client": self.client.pk,
            "staff": sorted(role.value for role in STAFF_ROLES),
            "own": list(CLIENT_SEES_OWN),
            "zone": self.client.time_zone or "UTC",
            "limit": window.stop - window.start,
            "offset": window.start,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        actors = User.objects.in_bulk({row[0] for row in rows if row[0] is not None})
        return [
            RecordViewLine(actors.get(actor_id), actions, times, first, last)
            for actor_id, actions, times, first, last in rows
        ]


def record_view_lines_for_viewing(client: User, number) -> ListPage:
    """Page `number` of the client's "Who viewed my record" (two queries
    whatever the number of events): what record_views_for_viewing lists,
    one line per read, a viewer's repeated reads of one kind on one day as
    one line. Their own reading is not recorded (it is their record)."""
    return page_of(_Lines(client), number, per_page=50)
