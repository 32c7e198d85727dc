"""Compliance reviews: the audit trail of a period as a file, and a breach
report (whose records an account could see in a window, and what it read).
Admins only (policy.reviews). Each is itself audited, with one event per
client it names, so a client's "Who viewed my record" shows it."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.http import Http404
from django.utils import timezone

from accounts.audit import KIND_SQL, audit_clients_shown, audit_event
from accounts.models import AuditEvent, User
from accounts.policy.reviews import clients_exposed_to, runs_compliance_reviews

EXPORT_COLUMNS = [
    "at_utc",
    "actor_id",
    "actor",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "client",
    "outcome",
    "ip",
    "request_id",
    "clients_shown",
]


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end] as whole days of the organisation's calendar: the
    moments from start's midnight to the midnight after end."""
    zone = timezone.get_current_timezone()
    first = datetime.combine(start, time.min, tzinfo=zone)
    return first, datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)


def _reviewer(user: User) -> None:
    if not runs_compliance_reviews(user):
        raise Http404


def audit_export_for_viewing(user: User, *, start: date, end: date):
    """The audit events of [start, end] (every one: admins read the whole
    trail), oldest first, as rows of EXPORT_COLUMNS. Recorded as
    "audit_trail.export" (the period in the object id) and one
    "audit_trail.export_client" per client the file names."""
    _reviewer(user)
    first, after = _window(start, end)
    events = AuditEvent.objects.filter(at__gte=first, at__lt=after)
    export = audit_event(actor=user, action="audit_trail.export")
    export.object_type, export.object_id = "period", f"{start}..{end}"
    audit_clients_shown(
        actor=user,
        shown=[("audit_trail.export_client", _clients_named(first, after))],
        also=[export],
    )
    return _export_rows(events.select_related("actor", "client").order_by("at", "pk"))


# The clients the events of a period name: alone (client_id) or in a
# page's list (client_ids).
_CLIENTS_NAMED = """
SELECT DISTINCT c FROM {events} e, unnest(array_append(e.client_ids, e.client_id)) c
WHERE e.at >= %s AND e.at < %s AND c IS NOT NULL ORDER BY c
"""


def _clients_named(first: datetime, after: datetime) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_CLIENTS_NAMED.format(events=_EVENTS), [first, after])
        return [row[0] for row in cursor.fetchall()]


def _export_rows(events):
    for event in events.iterator(chunk_size=2000):
        yield [
            event.at.astimezone(UTC).isoformat(),
            event.actor_id or "",
            event.actor.display_name if event.actor else "system",
            event.actor.role if event.actor else "",
            event.action,
            event.object_type,
            event.object_id,
            event.client_id or "",
            event.client.display_name if event.client else "",
            event.outcome,
            event.ip or "",
            event.request_id,
            " ".join(f"{pk}:{kind}" for pk, kind in event.clients_shown() if event.client_ids),
        ]


@dataclass(frozen=True)
class Reads:
    action: str
    outcome: str
    count: int
    first: datetime
    last: datetime


@dataclass
class ExposedClient:
    client_id: int
    name: str
    could_see: bool  # False: read although the rules gave no access then
    reads: list[Reads] = field(default_factory=list)

    @property
    def read_count(self) -> int:
        return sum(r.count for r in self.reads)


@dataclass(frozen=True)
class BreachReport:
    account: User
    start: date
    end: date
    clients: list[ExposedClient]
    other_reads: list[Reads]  # events about no client (lists, settings, sign-ins)

    @property
    def clients_read(self) -> int:
        return sum(1 for c in self.clients if c.reads)


# An account's events in a window by client, kind and outcome: an event
# about one client counts for them (or, about none, for "other reads"); a
# page's event, once for each client it listed, with what it showed of them.
_READS = """
SELECT c.client_id, u.display_name, c.kind, e.outcome, count(*), min(e.at), max(e.at)
FROM {events} e
CROSS JOIN LATERAL (
    SELECT e.client_id, e.action AS kind WHERE cardinality(e.client_ids) = 0
    UNION ALL
    SELECT listed.id, {kind}
    FROM unnest(e.client_ids) WITH ORDINALITY AS listed(id, n)
) c
LEFT JOIN {users} u ON u.id = c.client_id
WHERE e.actor_id = %s AND e.at >= %s AND e.at < %s
GROUP BY c.client_id, u.display_name, c.kind, e.outcome
ORDER BY c.client_id, c.kind, e.outcome
"""
_EVENTS = connection.ops.quote_name(AuditEvent._meta.db_table)
_USERS = connection.ops.quote_name(User._meta.db_table)


def breach_report_for_viewing(user: User, *, account_email: str, start: date, end: date):
    """For the account signed in as `account_email`, the clients whose
    records it could see at some time in [start, end] and, per client,
    what it did with them (audit events by action and outcome: count,
    first, last); clients read without access are listed too. None when no
    account has that email. Four queries whatever the sizes."""
    _reviewer(user)
    account = User.objects.filter(email__iexact=account_email.strip()).first()
    if account is None:
        return None
    first, after = _window(start, end)
    exposed = {
        pk: ExposedClient(pk, name, True)
        for pk, name in clients_exposed_to(account, first, after)
        .order_by("display_name", "pk")
        .values_list("pk", "display_name")
    }
    with connection.cursor() as cursor:
        sql = _READS.format(events=_EVENTS, users=_USERS, kind=KIND_SQL.format(n="listed.n"))
        cursor.execute(sql, [account.pk, first, after])
        grouped = cursor.fetchall()
    other: list[Reads] = []
    for client_id, name, action, outcome, n, earliest, latest in grouped:
        reads = Reads(action, outcome, n, earliest, latest)
        if client_id is None:
            other.append(reads)
            continue
        entry = exposed.setdefault(client_id, ExposedClient(client_id, name, False))
        entry.reads.append(reads)
    clients = sorted(exposed.values(), key=lambda c: (not c.reads, c.could_see, c.name))
    run = audit_event(actor=user, action="breach_report.run", obj=account)
    audit_clients_shown(actor=user, shown=[("breach_report.view", list(exposed))], also=[run])
    return BreachReport(account, start, end, clients, other)


def breach_report_rows(report: BreachReport):
    """The report as CSV rows: one per client and action."""
    yield [
        "client_id",
        "client",
        "could_see",
        "action",
        "outcome",
        "count",
        "first_utc",
        "last_utc",
    ]
    for client in report.clients:
        for r in client.reads or [None]:
            yield [
                client.client_id,
                client.name,
                "yes" if client.could_see else "no (read without access)",
                r.action if r else "",
                r.outcome if r else "",
                r.count if r else 0,
                r.first.astimezone(UTC).isoformat() if r else "",
                r.last.astimezone(UTC).isoformat() if r else "",
            ]
