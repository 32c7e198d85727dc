"""Compliance reviews: the audit trail of a period as a file, and a breach
report (whose records an account could see in a window, and what it read).
Admins only (policy.reviews). Each is itself audited, with one event per
client it names, so a client's "Who viewed my record" shows it."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Max, Min
from django.http import Http404
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_event
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
    clients = events.exclude(client=None).order_by().values_list("client_id", flat=True)
    export = audit_event(actor=user, action="audit_trail.export")
    export.object_type, export.object_id = "period", f"{start}..{end}"
    audit_clients_shown(
        actor=user, shown=[("audit_trail.export_client", clients.distinct())], also=[export]
    )
    return _export_rows(events.select_related("actor", "client").order_by("at", "pk"))


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
    grouped = (
        AuditEvent.objects.filter(actor=account, at__gte=first, at__lt=after)
        .values("client_id", "client__display_name", "action", "outcome")
        .annotate(n=Count("pk"), first=Min("at"), last=Max("at"))
        .order_by("client_id", "action", "outcome")
    )
    other: list[Reads] = []
    for row in grouped:
        reads = Reads(row["action"], row["outcome"], row["n"], row["first"], row["last"])
        if row["client_id"] is None:
            other.append(reads)
            continue
        entry = exposed.setdefault(
            row["client_id"],
            ExposedClient(row["client_id"], row["client__display_name"], False),
        )
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
